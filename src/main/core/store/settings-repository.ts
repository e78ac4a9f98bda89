import type Database from 'better-sqlite3';
import { proxySettingsSchema, type ProxySettings, type ProxySettingsPatch } from '../../../shared/proxy-settings';

/** Unreadable stored values (a hand-edited file) fall back to their defaults one by one. */
function parse(json: string): ProxySettings {
  let stored: Record<string, unknown> = {};
  try {
    stored = JSON.parse(json) as Record<string, unknown>;
  } catch {
    // keep defaults
  }
  const valid = Object.fromEntries(Object.entries(stored).filter(([key, value]) => proxySettingsSchema.safeParse({ [key]: value }).success));
  return proxySettingsSchema.parse(valid);
}

/** Beside the proxy settings in the same JSON document; not a proxy setting, so `proxy()` drops it. */
const certificateDomainsKey = 'certificateDomains';

/** The app-wide settings row (migration 4). */
export class SettingsRepository {
  private readonly read;
  private readonly write;

  constructor(db: Database.Database) {
    this.read = db.prepare<[], { settings: string }>('SELECT settings FROM app_settings WHERE id = 1');
    this.write = db.prepare<[string], void>('UPDATE app_settings SET settings = ? WHERE id = 1');
  }

  proxy(): ProxySettings {
    return parse(this.stored());
  }

  updateProxy(patch: ProxySettingsPatch): ProxySettings {
    const next = proxySettingsSchema.parse({ ...this.proxy(), ...patch });
    this.write.run(JSON.stringify({ ...this.document(), ...next }));
    return next;
  }

  /** The user's own domains the local CA permits (`certificates.setDomains`); [] when none or unreadable. */
  certificateDomains(): string[] {
    const domains = this.document()[certificateDomainsKey];
    return Array.isArray(domains) ? domains.filter((domain): domain is string => typeof domain === 'string') : [];
  }

  setCertificateDomains(domains: readonly string[]): void {
    this.write.run(JSON.stringify({ ...this.document(), [certificateDomainsKey]: domains }));
  }

  private stored(): string {
    return this.read.get()?.settings ?? '{}';
  }

  /** The whole stored document: proxy settings and the CA's domains side by side, so writing one keeps the other. */
  private document(): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(this.stored());
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
}
