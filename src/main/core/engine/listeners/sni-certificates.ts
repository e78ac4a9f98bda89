import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { SwitchyardError } from '../../../../shared/errors';
import { needsRenewal, type LocalCa } from '../../tls';
import { secureContextCredentials, type SecureContextCredentials } from '../../tls/engine-credentials';
import type { RoutingTable } from '../routing/routing-table';
import { certificateNames, hostIndex, routeCertificateNames, type HostIndex } from './certificate-names';

// The HTTPS listener's certificates: one secure context per name list, made
// from the local CA's leaf on first use and kept until the CA changes (the
// user's domains re-issue the intermediate) or the leaf is due for renewal,
// which the next handshake after that moment notices, so a long-running
// Switchyard renews without a restart. Route hosts are issued as soon as a
// routing table names them, so the first browser visit does not wait. Only
// route hosts get certificates (certificate-names.ts): a client's SNI never
// makes the CA write files for names of its choosing.

/** Clients without SNI (an IP literal, `curl https://127.0.0.1:7443`) and names no route has get these. */
export const DEFAULT_CERTIFICATE_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** A failure to make a certificate (a full disk, a key file the user's sudo made root's) is reported at most this often per name. */
const REPORT_INTERVAL_MS = 60_000;

/** What the CA says of a name it will not certify: the route has no HTTPS, which is no error (the Certificates view says why). */
const refusalCodes: ReadonlySet<string> = new Set(['CERT_NAME_NOT_PERMITTED', 'VALIDATION_FAILED']);
const isRefusal = (error: unknown) => error instanceof SwitchyardError && refusalCodes.has(error.code);

interface Issued {
  ca: LocalCa;
  notAfter: Date;
}

interface Held extends Issued {
  context: SecureContext;
}

const notAfterOf = (chain: string) => new Date(new X509Certificate(chain).validTo);

export interface SniCertificatesOptions {
  ca: () => LocalCa;
  now: () => Date;
  onError: (context: string, error: unknown) => void;
}

export class SniCertificates {
  private readonly held = new Map<string, Held>();
  private readonly pending = new Map<string, Promise<SecureContext>>();
  private indexed: { table: RoutingTable; index: HostIndex } | undefined;
  private defaultIssued: Issued | undefined;
  /** Names the CA refused, and under which CA: not asked again until the CA changes. */
  private readonly refused = new Map<string, LocalCa>();
  /** When a failure for a name was last reported (see REPORT_INTERVAL_MS). */
  private readonly reported = new Map<string, number>();

  constructor(private readonly options: SniCertificatesOptions) {}

  /**
   * The held context for a client's SNI when it is current, without a promise:
   * the handshake of every connection after a name's first goes this way.
   * `null` means the default certificate; undefined, ask forServername.
   */
  heldFor(servername: string, table: RoutingTable): SecureContext | null | undefined {
    const names = certificateNames(servername, this.indexOf(table));
    if (names === undefined) return null;
    const key = names.join(',');
    if (this.refused.get(key) === this.options.ca()) return null;
    const held = this.held.get(key);
    return held && !this.isStale(held) ? held.context : undefined;
  }

  /** The context for a client's SNI, or undefined for the listener's default certificate; never rejects (failures are reported). */
  async forServername(servername: string, table: RoutingTable): Promise<SecureContext | undefined> {
    const names = certificateNames(servername, this.indexOf(table));
    if (names === undefined) return undefined;
    try {
      return await this.context(names);
    } catch (error) {
      this.failed(names, error);
      return undefined;
    }
  }

  /** The default certificate (see DEFAULT_CERTIFICATE_NAMES), as a TLS server's own `key` and `cert` options take it. */
  async defaultCredentials(): Promise<SecureContextCredentials> {
    const ca = this.options.ca();
    const credentials = await secureContextCredentials(ca, DEFAULT_CERTIFICATE_NAMES);
    this.defaultIssued = { ca, notAfter: notAfterOf(credentials.cert) };
    return credentials;
  }

  /** Whether the default certificate must be replaced (renewal, or a new CA): the listener asks hourly. */
  defaultIsStale(): boolean {
    return this.isStale(this.defaultIssued);
  }

  /**
   * Issues every route host's certificate in the background, so a browser's
   * first visit does not wait. A host the CA refuses (outside its domains) is
   * no error: that route has no HTTPS until the user adds the domain, which
   * the Certificates view says. Any other failure is reported.
   */
  warm(table: RoutingTable): void {
    const ca = this.options.ca();
    for (const names of routeCertificateNames(this.indexOf(table))) {
      if (this.refused.get(names.join(',')) === ca) continue;
      this.context(names).catch((error: unknown) => this.failed(names, error));
    }
  }

  /** Resolves once no certificate is being made (a stopping engine waits, so no file is written after it stopped). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.pending.values());
  }

  /**
   * The context for `names`: the held one while current, else a new one. If
   * making it fails (the disk, the files), a held certificate that has not
   * expired is served on, as Caddy keeps serving while its renewal retries.
   */
  async context(names: readonly string[]): Promise<SecureContext> {
    const key = names.join(',');
    const held = this.held.get(key);
    if (held && !this.isStale(held)) return held.context;
    const running = this.pending.get(key);
    if (running) return running;
    const work = this.make(key, names);
    this.pending.set(key, work);
    try {
      return await work;
    } catch (error) {
      if (!held || isRefusal(error) || held.notAfter <= this.options.now()) throw error;
      this.failed(names, error);
      return held.context;
    } finally {
      this.pending.delete(key);
    }
  }

  private async make(key: string, names: readonly string[]): Promise<SecureContext> {
    const ca = this.options.ca();
    const credentials = await secureContextCredentials(ca, names);
    const context = createSecureContext(credentials);
    this.held.set(key, { ca, context, notAfter: notAfterOf(credentials.cert) });
    return context;
  }

  /** A refusal is remembered for this CA; anything else is reported, at most once a minute per name. */
  private failed(names: readonly string[], error: unknown): void {
    const key = names.join(',');
    if (isRefusal(error)) {
      this.refused.set(key, this.options.ca());
      return;
    }
    const now = Date.now();
    if (now - (this.reported.get(key) ?? -Infinity) < REPORT_INTERVAL_MS) return;
    this.reported.set(key, now);
    this.options.onError(`the certificate for ${names.join(', ')}`, error);
  }

  private isStale(held: Issued | undefined): boolean {
    return held === undefined || held.ca !== this.options.ca() || needsRenewal(held, this.options.now());
  }

  private indexOf(table: RoutingTable): HostIndex {
    if (this.indexed?.table !== table) this.indexed = { table, index: hostIndex(table.hosts) };
    return this.indexed.index;
  }
}
