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

/** The app-wide settings row (migration 4). */
export class SettingsRepository {
  private readonly read;
  private readonly write;

  constructor(db: Database.Database) {
    this.read = db.prepare<[], { settings: string }>('SELECT settings FROM app_settings WHERE id = 1');
    this.write = db.prepare<[string], void>('UPDATE app_settings SET settings = ? WHERE id = 1');
  }

  proxy(): ProxySettings {
    return parse(this.read.get()?.settings ?? '{}');
  }

  updateProxy(patch: ProxySettingsPatch): ProxySettings {
    const next = proxySettingsSchema.parse({ ...this.proxy(), ...patch });
    this.write.run(JSON.stringify(next));
    return next;
  }
}
