import { z } from 'zod';

// The certificate commands' contract (issue 12): the local CA, the leaves it
// issued, and how to make this machine and its clients trust the root. No
// type here has a field for a private key, and none may gain one: a leaf's key
// stays in a 0600 file in the data directory, and results carry its PATH, for
// the user's own dev server to read from there.

export const certificateKeyTypes = ['ecdsa-p256', 'rsa-2048'] as const;
export type CertificateKeyType = (typeof certificateKeyTypes)[number];

/** Whether this system's trust store holds the root: 'unknown' where that cannot be checked cheaply. */
export type TrustState = 'trusted' | 'not-trusted' | 'unknown';

export interface CaTrust {
  state: TrustState;
  /** How it was found out, in a sentence ("found in /etc/ssl/certs/ca-certificates.crt"). */
  detail: string;
}

/** The local CA: what the UI shows at the top of the Certificates view. */
export interface CertificateAuthorityInfo {
  /** The root's subject, e.g. "O=Switchyard, CN=Switchyard Local CA — ann@laptop". */
  subject: string;
  /** SHA-256 of the root's DER, colon-separated hex, as browsers show it. */
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  /** DNS domains the intermediate may certify, each with all its subdomains (sorted). */
  permittedDomains: string[];
  /** Those of `permittedDomains` that are built in (the user cannot remove them). */
  defaultDomains: string[];
  /** The user's own domains, as last changed with `certificates.addDomain`, `removeDomain` or `setDomains` (the intermediate permits these too). */
  userDomains: string[];
  /** IP ranges the intermediate may certify, as CIDR: loopback only. */
  permittedIpRanges: string[];
  trust: CaTrust;
  /** The root certificate's file in the data directory (public; the root key beside it is never exported). */
  rootCertificatePath: string;
}

/** A route this certificate names: its host is one of the certificate's names. */
export interface CertificateRoute {
  id: number;
  host: string;
  path: string;
}

/** One leaf certificate the local CA issued, as the list shows it. */
export interface LeafCertificateInfo {
  /** Stable id (its file name without extension) for regenerate and remove. */
  id: string;
  /** Its subjectAltName entries, sorted: host names, `*.` wildcards, IP addresses. */
  names: string[];
  keyType: CertificateKeyType;
  notBefore: string;
  notAfter: string;
  /** When Switchyard renews it on its own (30 days before notAfter) if a route uses it. */
  renewsAt: string;
  /**
   * 'renewal-due' within 30 days of expiry, 'expired' after; 'not-permitted'
   * when a name is outside the CA's domains since they changed (clients refuse
   * it: add the domain back or remove the certificate).
   */
  state: 'valid' | 'renewal-due' | 'expired' | 'not-permitted';
  fingerprint256: string;
  /** Routes whose host is one of `names`. */
  routes: CertificateRoute[];
  /** The certificate's file (PEM, the leaf alone). */
  certificatePath: string;
  /** The leaf then the intermediate (PEM): what a dev server presents (nginx `ssl_certificate`, Node's tls `cert`); clients that trust the root need both. */
  chainPath: string;
  /** The leaf then the intermediate, PEM (public): what the view downloads for a dev server. */
  chainPem: string;
  /** The private key's file (PEM, mode 0600, inside the data directory): point the dev server at it; Switchyard never sends a key. */
  keyPath: string;
}

/** `certificates.issue` and `certificates.regenerate`: the leaf plus its certificate alone. */
export interface IssuedCertificate extends LeafCertificateInfo {
  /** The leaf alone, PEM. */
  certificatePem: string;
}

/** An HTTP route the HTTPS listener cannot serve: its host is outside the CA's names. */
export interface RouteWithoutHttps extends CertificateRoute {
  /** Why, and what to do: the sentence the CA gives when asked for the name (add the domain, or rename the route). */
  reason: string;
}

export interface CertificatesOverview {
  ca: CertificateAuthorityInfo;
  /** Sorted by first name, then key type. */
  leaves: LeafCertificateInfo[];
  /** Routes whose host no certificate can name (HTTPS clients get the default certificate and a name mismatch). */
  routesWithoutHttps: RouteWithoutHttps[];
}

export interface ExportedRoot {
  /** The root certificate, PEM: what a client or a trust store needs. Never a key. */
  certificatePem: string;
  fingerprint256: string;
  path: string;
}

// ---- trust instructions ----------------------------------------------------

export const trustSystems = ['macos', 'debian', 'fedora', 'windows'] as const;
export type TrustSystem = (typeof trustSystems)[number];

export const trustClients = ['firefox', 'chrome-linux', 'node', 'python', 'curl', 'java', 'docker', 'wsl'] as const;
export type TrustClient = (typeof trustClients)[number];

/** One step: a sentence, and the command to type for it if there is one (paths filled in). */
export interface TrustStep {
  text: string;
  command?: string;
}

export interface TrustGuide<Id extends string> {
  id: Id;
  title: string;
  steps: TrustStep[];
}

export interface TrustInstructions {
  /** The system this Switchyard runs on, when it is one of `systems` (null: not recognised). */
  current: TrustSystem | null;
  /** True under Windows Subsystem for Linux: both stores matter (see the `wsl` client). */
  wsl: boolean;
  rootCertificatePath: string;
  /** The operating systems' trust stores, the current one first. */
  systems: TrustGuide<TrustSystem>[];
  /** Clients with a trust store of their own, or none. */
  clients: TrustGuide<TrustClient>[];
}

/** `certificates.installTrust`: what ran, and whether the system trusts the root now. */
export interface TrustInstallResult {
  command: string;
  trust: CaTrust;
}

// ---- inputs ----------------------------------------------------------------

/** At most this many names in one certificate (Let's Encrypt's limit). */
export const maxCertificateNames = 100;
/** At most this many domains of the user's own. */
export const maxCertificateDomains = 50;
const maxNameLength = 253;

const nameSchema = z
  .string({ error: 'A name is a host name, *.wildcard or IP address, e.g. api.test.localhost.' })
  .trim()
  .min(1, 'A name is a host name, *.wildcard or IP address, e.g. api.test.localhost.')
  .max(maxNameLength, `A name is at most ${maxNameLength} characters long.`);

const namesSchema = z
  .array(nameSchema, { error: 'Names are a list of host names, *.wildcards or IP addresses.' })
  .min(1, 'A certificate needs at least one name, e.g. api.test.localhost.')
  .max(maxCertificateNames, `A certificate has at most ${maxCertificateNames} names.`);

export const keyTypeSchema = z.enum(certificateKeyTypes, { error: `The key type is ${certificateKeyTypes.join(' or ')}.` });

/** A leaf's id as `certificates.get` lists it (a file name: no slash, so never a path). */
export const certificateIdSchema = z
  .string({ error: 'A certificate id is one listed by certificates.get.' })
  .regex(/^[a-z0-9_.+-]{1,300}$/, 'A certificate id is one listed by certificates.get.');

export const issueCertificateSchema = z.strictObject({
  names: namesSchema,
  keyType: keyTypeSchema.default('ecdsa-p256'),
});

/** By id, or by names: the leaf with exactly these names, else the one leaf that has them all. */
export const pickCertificateSchema = z
  .strictObject({ id: certificateIdSchema.optional(), names: namesSchema.optional() })
  .refine((pick) => (pick.id === undefined) !== (pick.names === undefined), {
    error: 'Name the certificate by its id (from certificates.get) or by its names, not both.',
  });

export const regenerateCertificateSchema = z.strictObject({
  id: certificateIdSchema,
  /** Another key type for the new certificate; the same as before when absent. */
  keyType: keyTypeSchema.optional(),
});

const domainSchema = z
  .string({ error: 'A domain is a DNS name such as dev.example.com.' })
  .trim()
  .min(1, 'A domain is a DNS name such as dev.example.com.')
  .max(maxNameLength, `A domain is at most ${maxNameLength} characters long.`);

export const certificateDomainsSchema = z.strictObject({
  domains: z
    .array(domainSchema, { error: 'Domains are a list of DNS names such as dev.example.com.' })
    .max(maxCertificateDomains, `At most ${maxCertificateDomains} domains of your own.`),
});

/** `certificates.addDomain` and `certificates.removeDomain`: one domain, changed in the list as it is when the change runs. */
export const certificateDomainSchema = z.strictObject({ domain: domainSchema });
