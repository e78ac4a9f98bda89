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
// routing table names them, so the first browser visit does not wait.

/** Clients without SNI (an IP literal, `curl https://127.0.0.1:7443`) and names no route has get these. */
export const DEFAULT_CERTIFICATE_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/**
 * Names deeper than a wildcard route's certificate covers are issued on
 * demand; a client may send any number of them, so at most this many are
 * held (and written) per run, after which they get the default certificate.
 */
const MAX_ON_DEMAND_NAMES = 256;

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
  private onDemand = 0;
  private defaultIssued: Issued | undefined;
  /** Names the CA refused when warming, and under which CA: not asked again until the CA changes. */
  private readonly refused = new Map<string, LocalCa>();

  constructor(private readonly options: SniCertificatesOptions) {}

  /**
   * The held context for a client's SNI when it is current, without a promise:
   * the handshake of every connection after a name's first goes this way.
   * `null` means the default certificate; undefined, ask forServername.
   */
  heldFor(servername: string, table: RoutingTable): SecureContext | null | undefined {
    const names = certificateNames(servername, this.indexOf(table));
    if (names === undefined) return null;
    const held = this.held.get(names.join(','));
    return held && !this.isStale(held) ? held.context : undefined;
  }

  /** The context for a client's SNI, or undefined for the listener's default certificate. */
  async forServername(servername: string, table: RoutingTable): Promise<SecureContext | undefined> {
    const index = this.indexOf(table);
    const names = certificateNames(servername, index);
    if (names === undefined) return undefined;
    const key = names.join(',');
    if (!this.held.has(key) && !index.exact.has(names[0]!) && !names[0]!.startsWith('*.')) {
      if (this.onDemand >= MAX_ON_DEMAND_NAMES) return undefined;
      this.onDemand += 1;
    }
    return this.context(names);
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
   * Issues every route host's certificate in the background. A host the CA
   * refuses (outside its domains) is not an error: that route has no HTTPS
   * until the user adds the domain, which the Certificates view says; it is
   * not asked again until the CA changes. Anything else is reported.
   */
  warm(table: RoutingTable): void {
    const ca = this.options.ca();
    for (const names of routeCertificateNames(this.indexOf(table))) {
      const key = names.join(',');
      if (this.refused.get(key) === ca) continue;
      this.context(names).catch((error: unknown) => {
        this.refused.set(key, ca);
        if (!(error instanceof SwitchyardError)) this.options.onError(`certificate for ${names.join(', ')}`, error);
      });
    }
  }

  /** Resolves once no certificate is being made (a stopping engine waits, so no file is written after it stopped). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.pending.values());
  }

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

  private isStale(held: Issued | undefined): boolean {
    return held === undefined || held.ca !== this.options.ca() || needsRenewal(held, this.options.now());
  }

  private indexOf(table: RoutingTable): HostIndex {
    if (this.indexed?.table !== table) this.indexed = { table, index: hostIndex(table.hosts) };
    return this.indexed.index;
  }
}
