import { X509Certificate as NodeX509Certificate, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
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
import { SwitchyardError } from '../../../shared/errors';
import { ensurePrivateDir } from '../store/data-dir-permissions';
import { dataDirWriteError } from '../store/disk-errors';
import { CA_SIGNING_ALGORITHM, crypto, generateKeys, importCaSigningKey, keyMatches, privateKeyPem, randomSerial, type KeyType } from './keys';
import { checkSubjectName, constrainedDomains, nameConstraintsExtension, permittedDomains, type SubjectName } from './name-constraints';
import { days, needsRenewal } from './renewal';
import { CERT_FILE_MODE, KEY_FILE_MODE, caFiles, leafFiles, leavesDir, readIfExists, tlsDir, writeFileAtomic } from './tls-files';

// The root and the intermediate are created together in a temporary folder
// renamed into place, so a crash or a second process starting at the same
// moment leaves one complete CA, never a root without its intermediate.

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

export interface LocalCaOptions {
  dataDir: string;
  /** The user's own domains, permitted beside the defaults; a change re-issues the intermediate. */
  domains?: readonly string[];
  /** The clock, injected by tests. */
  now?: () => Date;
}

export interface LeafOptions {
  keyType?: KeyType;
}

/** A leaf as the UI and commands see it: its certificate, never its key. */
export interface LeafCertificate {
  names: string[];
  keyType: KeyType;
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
}

interface CaState {
  dir: string;
  now: () => Date;
  domains: string[];
  root: X509Certificate;
  intermediate: X509Certificate;
  intermediateKey: CryptoKey;
  /** Issuances under way by leaf file, so concurrent handshakes for one new name issue one certificate. */
  pending: Map<string, Promise<StoredLeaf>>;
}

interface StoredLeaf {
  cert: X509Certificate;
  certPem: string;
  keyPem: string;
}

// Keys and state live here, out of reach of whoever holds a LocalCa: only
// functions of this folder can look them up.
const states = new WeakMap<LocalCa, CaState>();

function stateOf(ca: LocalCa): CaState {
  const state = states.get(ca);
  if (!state) throw new SwitchyardError('INTERNAL', 'This local CA was not opened with openLocalCa. Report this as a bug.');
  return state;
}

export class LocalCa {
  get rootCertificatePem(): string {
    return stateOf(this).root.toString('pem');
  }

  get intermediateCertificatePem(): string {
    return stateOf(this).intermediate.toString('pem');
  }

  get rootFingerprint256(): string {
    return fingerprint256(this.rootCertificatePem);
  }

  get rootNotAfter(): Date {
    return stateOf(this).root.notAfter;
  }

  /** The DNS domains the intermediate permits (each with its subdomains); 127.0.0.0/8 and ::1 always. */
  get permittedDomains(): string[] {
    return [...stateOf(this).domains];
  }

  /** Issues a new certificate for `names` (host names, `*.name` wildcards, loopback IPs), replacing the stored one. */
  async issueLeaf(names: readonly string[], options: LeafOptions = {}): Promise<LeafCertificate> {
    return describeLeaf(await obtainLeaf(this, names, options, { reuse: false }));
  }

  /** The stored certificate for `names` if it still fits (same names and key type, not due for renewal), else a new one. */
  async leaf(names: readonly string[], options: LeafOptions = {}): Promise<LeafCertificate> {
    return describeLeaf(await obtainLeaf(this, names, options, { reuse: true }));
  }
}

/** For engine-credentials.ts only: the leaf's key and certificate as PEM. */
export async function leafKeyPair(ca: LocalCa, names: readonly string[], options: LeafOptions): Promise<{ keyPem: string; certPem: string }> {
  const { keyPem, certPem } = await obtainLeaf(ca, names, options, { reuse: true });
  return { keyPem, certPem };
}

export async function openLocalCa(options: LocalCaOptions): Promise<LocalCa> {
  const now = options.now ?? (() => new Date());
  const domains = permittedDomains(options.domains ?? []);
  ensurePrivateDir(options.dataDir);
  const dir = tlsDir(options.dataDir);
  if (readIfExists(caFiles(dir).rootCert) === undefined) await createCa(dir, domains, now());
  ensurePrivateDir(dir);
  ensurePrivateDir(leavesDir(dir));

  const state = await loadCa(dir, now);
  if (!sameList(state.domains, domains)) {
    state.intermediate = await reissueIntermediate(state, domains);
    state.domains = domains;
  }
  const ca = new LocalCa();
  states.set(ca, state);
  return ca;
}

async function createCa(dir: string, domains: string[], now: Date): Promise<void> {
  const rootKeys = await generateKeys('ecdsa-p256');
  const intermediateKeys = await generateKeys('ecdsa-p256');
  const root = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: caName(`Switchyard Local CA — ${owner()}`),
      notBefore: backdated(now),
      notAfter: yearsLater(now, ROOT_VALIDITY_YEARS),
      keys: rootKeys,
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(rootKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const intermediate = await signIntermediate(root, rootKeys.privateKey, intermediateKeys.publicKey, domains, now);

  const temp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const files = caFiles(temp);
  try {
    mkdirSync(leavesDir(temp), { recursive: true, mode: 0o700 });
    writeFileAtomic(files.rootKey, await privateKeyPem(rootKeys.privateKey), KEY_FILE_MODE);
    writeFileAtomic(files.rootCert, root.toString('pem'), CERT_FILE_MODE);
    writeFileAtomic(files.intermediateKey, await privateKeyPem(intermediateKeys.privateKey), KEY_FILE_MODE);
    writeFileAtomic(files.intermediateCert, intermediate.toString('pem'), CERT_FILE_MODE);
    renameSync(temp, dir);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    // Another Switchyard process created the CA first: use its.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return;
    throw error instanceof SwitchyardError ? error : dataDirWriteError(error, dir, `create the local CA in ${dir}`);
  }
}

async function signIntermediate(
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
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await AuthorityKeyIdentifierExtension.create(root.publicKey, false, crypto),
        await SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
        nameConstraintsExtension(domains),
      ],
    },
    crypto,
  );
}

/**
 * A new intermediate certificate for the same intermediate key, signed by the
 * root key read from disk for this alone: leaves issued before chain to it too
 * (same subject and key identifier), so nothing else is re-issued.
 */
async function reissueIntermediate(state: CaState, domains: readonly string[]): Promise<X509Certificate> {
  const files = caFiles(state.dir);
  const rootKey = await importCaSigningKey(requireFile(state.dir, files.rootKey));
  const intermediate = await signIntermediate(state.root, rootKey, await state.intermediate.publicKey.export(crypto), domains, state.now());
  writeFileAtomic(files.intermediateCert, intermediate.toString('pem'), CERT_FILE_MODE);
  return intermediate;
}

async function loadCa(dir: string, now: () => Date): Promise<CaState> {
  const files = caFiles(dir);
  const root = new X509Certificate(requireFile(dir, files.rootCert));
  const intermediate = new X509Certificate(requireFile(dir, files.intermediateCert));
  const intermediateKeyPem = requireFile(dir, files.intermediateKey);
  if (!keyMatches(intermediateKeyPem, intermediate.publicKey.rawData)) {
    throw brokenCa(dir, `${files.intermediateKey} is not the key of ${files.intermediateCert}`);
  }
  return {
    dir,
    now,
    domains: constrainedDomains(intermediate.extensions),
    root,
    intermediate,
    intermediateKey: await importCaSigningKey(intermediateKeyPem),
    pending: new Map(),
  };
}

function requireFile(dir: string, file: string): string {
  const text = readIfExists(file);
  if (text === undefined) throw brokenCa(dir, `${file} is missing`);
  return text;
}

function brokenCa(dir: string, what: string): SwitchyardError {
  return new SwitchyardError(
    'STORE_FAILED',
    `The local CA in ${dir} is incomplete: ${what}. Restore the folder from a backup, or move it away so Switchyard creates a new CA (its root must then be trusted again).`,
  );
}

async function obtainLeaf(ca: LocalCa, rawNames: readonly string[], options: LeafOptions, { reuse }: { reuse: boolean }): Promise<StoredLeaf> {
  const state = stateOf(ca);
  if (rawNames.length === 0) {
    throw new SwitchyardError('VALIDATION_FAILED', 'A certificate needs at least one name: give a host name such as api.test.localhost.', 'names');
  }
  const names = rawNames.map((name, index) => checkSubjectName(name, state.domains, `names.${index}`));
  const keyType = options.keyType ?? 'ecdsa-p256';
  const files = leafFiles(state.dir, nameText(names[0] as SubjectName));
  const pending = state.pending.get(files.cert);
  if (pending) return pending;

  const work = (async () => {
    const stored = reuse ? await storedLeaf(state, files, names, keyType) : undefined;
    return stored ?? (await issue(state, files, names, keyType));
  })();
  state.pending.set(files.cert, work);
  try {
    return await work;
  } finally {
    state.pending.delete(files.cert);
  }
}

async function storedLeaf(state: CaState, files: { key: string; cert: string }, names: SubjectName[], keyType: KeyType): Promise<StoredLeaf | undefined> {
  const certPem = readIfExists(files.cert);
  const keyPem = readIfExists(files.key);
  if (certPem === undefined || keyPem === undefined) return undefined;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    if (!keyMatches(keyPem, cert.publicKey.rawData)) return undefined;
  } catch {
    return undefined; // An unreadable leaf is replaced, like a missing one.
  }
  const fits =
    sameList(leafNames(cert), names.map(nameText).sort()) &&
    keyTypeOf(cert) === keyType &&
    !needsRenewal(cert, state.now()) &&
    (await cert.verify({ publicKey: state.intermediate.publicKey, signatureOnly: true }, crypto));
  return fits ? { cert, certPem, keyPem } : undefined;
}

async function issue(state: CaState, files: { key: string; cert: string }, names: SubjectName[], keyType: KeyType): Promise<StoredLeaf> {
  const keys = await generateKeys(keyType);
  const now = state.now();
  const notAfter = new Date(Math.min(now.getTime() + days(LEAF_VALIDITY_DAYS), state.intermediate.notAfter.getTime()));
  const sans: JsonGeneralNames = names.map((name) => (name.kind === 'dns' ? { type: 'dns', value: name.name } : { type: 'ip', value: name.address }));
  // keyEncipherment for RSA: TLS 1.2's RSA key exchange, the reason to want an RSA key, needs it (mkcert sets it the same way).
  const usages = keyType === 'rsa-2048' ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment : KeyUsageFlags.digitalSignature;
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      // No host name in the subject: OpenSSL checks a host-like CN against the name constraints, and SANs carry the names.
      subject: [{ O: [LEAF_ORGANIZATION] }, { OU: [owner()] }],
      issuer: state.intermediate.subject,
      notBefore: backdated(now),
      notAfter,
      publicKey: keys.publicKey,
      signingKey: state.intermediateKey,
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(usages, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension(sans),
        await AuthorityKeyIdentifierExtension.create(state.intermediate.publicKey, false, crypto),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const keyPem = await privateKeyPem(keys.privateKey);
  const certPem = cert.toString('pem');
  // The key first: a crash between the two leaves a pair that does not match, which storedLeaf replaces.
  writeFileAtomic(files.key, keyPem, KEY_FILE_MODE);
  writeFileAtomic(files.cert, certPem, CERT_FILE_MODE);
  return { cert, certPem, keyPem };
}

function describeLeaf({ cert, certPem }: StoredLeaf): LeafCertificate {
  return {
    names: leafNames(cert),
    keyType: keyTypeOf(cert),
    certificatePem: certPem,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprint256: fingerprint256(certPem),
  };
}

const nameText = (name: SubjectName) => (name.kind === 'dns' ? name.name : name.address);

function leafNames(cert: X509Certificate): string[] {
  const san = cert.getExtension(SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).map((name) => name.value).sort();
}

const keyTypeOf = (cert: X509Certificate): KeyType => (cert.publicKey.algorithm.name === 'ECDSA' ? 'ecdsa-p256' : 'rsa-2048');

const fingerprint256 = (pem: string) => new NodeX509Certificate(pem).fingerprint256;

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, index) => item === b[index]);

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
