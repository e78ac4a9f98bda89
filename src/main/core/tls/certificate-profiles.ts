import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  type JsonGeneralNames,
  type JsonName,
} from '@peculiar/x509';
import { CA_SIGNING_ALGORITHM, crypto, randomSerial, type KeyType } from './keys';
import { nameConstraintsExtension, type SubjectName } from './name-constraints';
import { days } from './renewal';

// The X.509 profile of each certificate the local CA makes, in one place to
// read against RFC 5280 and the CA/Browser Forum's baseline requirements.

const ROOT_VALIDITY_YEARS = 10;
/**
 * 397 days, the ceiling browsers set for public certificates from 2020 to
 * March 2026: well under the 825 days Apple accepts from a user-added root
 * (support.apple.com/HT210176), a year for a PEM pair copied into a dev
 * server, and renewed a month before its end by the proxy itself. (Caddy's
 * `tls internal` issues 12-hour leaves; that suits a proxy but not a pair a
 * user downloads.)
 */
export const LEAF_VALIDITY_DAYS = 397;
/** Clock skew between this machine and a VM or container that checks the certificate: step-ca backdates by one minute too. */
const BACKDATE_MS = 60_000;
const ORGANIZATION = 'Switchyard';
const LEAF_ORGANIZATION = 'Switchyard development certificate';
const INTERMEDIATE_COMMON_NAME = 'Switchyard Local Issuing CA';
const CA_KEY_USAGES = KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;

export async function createRoot(keys: CryptoKeyPair, now: Date): Promise<X509Certificate> {
  return X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: caName(`Switchyard Local CA — ${owner()}`),
      notBefore: backdated(now),
      notAfter: yearsLater(now, ROOT_VALIDITY_YEARS),
      keys,
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(CA_KEY_USAGES, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
}

export async function signIntermediate(
  root: X509Certificate,
  rootKey: CryptoKey,
  publicKey: CryptoKey,
  domains: readonly string[],
  now: Date,
): Promise<X509Certificate> {
  return X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: caName(INTERMEDIATE_COMMON_NAME),
      issuer: root.subject,
      notBefore: backdated(now),
      // As long as the root: it is re-issued (same key) only when the domains change.
      notAfter: root.notAfter,
      publicKey,
      signingKey: rootKey,
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      extensions: [
        // pathLen 0: the intermediate signs leaves, never another CA.
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(CA_KEY_USAGES, true),
        await AuthorityKeyIdentifierExtension.create(root.publicKey, false, crypto),
        await SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
        nameConstraintsExtension(domains),
      ],
    },
    crypto,
  );
}

export interface LeafRequest {
  issuer: X509Certificate;
  issuerKey: CryptoKey;
  publicKey: CryptoKey;
  keyType: KeyType;
  names: readonly SubjectName[];
  now: Date;
}

export async function signLeaf({ issuer, issuerKey, publicKey, keyType, names, now }: LeafRequest): Promise<X509Certificate> {
  const sans: JsonGeneralNames = names.map((name) => (name.kind === 'dns' ? { type: 'dns', value: name.name } : { type: 'ip', value: name.address }));
  // keyEncipherment for RSA: TLS 1.2's RSA key exchange, the reason to want an RSA key, needs it (mkcert sets it the same way).
  const usages = keyType === 'rsa-2048' ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment : KeyUsageFlags.digitalSignature;
  return X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      // No host name in the subject: OpenSSL checks a host-like CN against the name constraints, and SANs carry the names.
      subject: [{ O: [LEAF_ORGANIZATION] }, { OU: [owner()] }],
      issuer: issuer.subject,
      notBefore: backdated(now),
      notAfter: new Date(Math.min(now.getTime() + days(LEAF_VALIDITY_DAYS), issuer.notAfter.getTime())),
      publicKey,
      signingKey: issuerKey,
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(usages, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension(sans),
        await AuthorityKeyIdentifierExtension.create(issuer.publicKey, false, crypto),
        await SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
      ],
    },
    crypto,
  );
}

/** The names in a certificate's subjectAltName, sorted. */
export function subjectAltNames(cert: X509Certificate): string[] {
  const san = cert.getExtension(SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).map((name) => name.value).sort();
}

export const keyTypeOf = (cert: X509Certificate): KeyType => (cert.publicKey.algorithm.name === 'ECDSA' ? 'ecdsa-p256' : 'rsa-2048');

/** SHA-256 of the DER, colon-separated hex, as browsers and `openssl x509 -fingerprint -sha256` show it. */
export const fingerprint256 = (pem: string) => new NodeX509Certificate(pem).fingerprint256;

const caName = (commonName: string): JsonName => [{ O: [ORGANIZATION] }, { CN: [commonName] }];

const backdated = (now: Date) => new Date(now.getTime() - BACKDATE_MS);

function yearsLater(date: Date, years: number): Date {
  const later = new Date(date);
  later.setUTCFullYear(later.getUTCFullYear() + years);
  return later;
}

/** `user@host` for the root's name, so a user who trusts several machines' CAs can tell them apart (mkcert does the same). */
function owner(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'user'; // No passwd entry, e.g. an arbitrary uid in a container.
  }
  return `${user}@${hostname()}`;
}
