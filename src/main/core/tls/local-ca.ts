import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { X509Certificate } from '@peculiar/x509';
import { SwitchyardError } from '../../../shared/errors';
import { ensurePrivateDir } from '../store/data-dir-permissions';
import { dataDirWriteError } from '../store/disk-errors';
import type { CaState } from './ca-state';
import { createRoot, fingerprint256, signIntermediate } from './certificate-profiles';
import { crypto, generateKeys, importCaSigningKey, keyMatches, privateKeyPem } from './keys';
import { describeLeaf, obtainLeaf, type LeafCertificate, type LeafOptions } from './leaves';
import { removeStoredLeaf, storedLeaves } from './leaf-catalog';
import { checkSubjectName, constrainedDomains, permittedDomains } from './name-constraints';
import { removeStaleTempFiles } from './stale-temp-files';
import { CERT_FILE_MODE, KEY_FILE_MODE, caFiles, leavesDir, readIfExists, tempPathFor, tlsDir, writeFileAtomic } from './tls-files';

// Opening the CA: created on first use, loaded after, its intermediate
// re-issued when the user's domains change. The root and the intermediate are
// created together in a temporary folder renamed into place, so a crash or a
// second process starting at the same moment leaves one complete CA, never a
// root without its intermediate.

export interface LocalCaOptions {
  dataDir: string;
  /** The user's own domains, permitted beside the defaults; a change re-issues the intermediate. */
  domains?: readonly string[];
  /** The clock, injected by tests. */
  now?: () => Date;
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

  get rootNotBefore(): Date {
    return stateOf(this).root.notBefore;
  }

  /** e.g. "O=Switchyard, CN=Switchyard Local CA — ann@laptop". */
  get rootSubject(): string {
    return stateOf(this).root.subject;
  }

  /** The root certificate's file (public), for trust stores and clients. */
  get rootCertificatePath(): string {
    return caFiles(stateOf(this).dir).rootCert;
  }

  /** Every leaf stored in this CA's folder, the HTTPS listener's and the user's. */
  leaves(): LeafCertificate[] {
    return storedLeaves(stateOf(this).dir);
  }

  /** Deletes a stored leaf (certificate and key) by its id; CERT_NOT_FOUND when none has it. */
  removeLeaf(id: string): LeafCertificate {
    return removeStoredLeaf(stateOf(this).dir, id);
  }

  /** The DNS domains the intermediate permits (each with its subdomains); 127.0.0.0/8 and ::1 always. */
  get permittedDomains(): string[] {
    return [...stateOf(this).domains];
  }

  /** True when the intermediate may certify `name` (a host, `*.` wildcard or IP): a leaf for a name outside is refused by every client. */
  permits(name: string): boolean {
    try {
      checkSubjectName(name, stateOf(this).domains, 'name');
      return true;
    } catch {
      return false;
    }
  }

  /** Issues a new certificate for `names` (host names, `*.name` wildcards, loopback IPs), replacing the stored one. */
  async issueLeaf(names: readonly string[], options: LeafOptions = {}): Promise<LeafCertificate> {
    const state = stateOf(this);
    return describeLeaf(state.dir, await obtainLeaf(state, names, options, { reuse: false }));
  }

  /** The stored certificate for `names` if it still fits (same names and key type, not due for renewal), else a new one. */
  async leaf(names: readonly string[], options: LeafOptions = {}): Promise<LeafCertificate> {
    const state = stateOf(this);
    return describeLeaf(state.dir, await obtainLeaf(state, names, options, { reuse: true }));
  }
}

/**
 * A new handle on the same open CA (same keys, same state): whoever compares
 * handles, as the HTTPS listener does to know when to re-read its
 * certificates, sees a change, at no cost of opening the CA again.
 */
export function newHandle(ca: LocalCa): LocalCa {
  const handle = new LocalCa();
  states.set(handle, stateOf(ca));
  return handle;
}

/** For engine-credentials.ts only: the leaf's key and certificate as PEM. */
export async function leafKeyPair(ca: LocalCa, names: readonly string[], options: LeafOptions): Promise<{ keyPem: string; certPem: string }> {
  const { keyPem, certPem } = await obtainLeaf(stateOf(ca), names, options, { reuse: true });
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
  removeStaleTempFiles(options.dataDir);

  const state = await loadCa(dir, now);
  // Both lists are sorted DNS names, which hold no comma.
  if (state.domains.join() !== domains.join()) {
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
  const root = await createRoot(rootKeys, now);
  const intermediate = await signIntermediate(root, rootKeys.privateKey, intermediateKeys.publicKey, domains, now);

  const temp = tempPathFor(dir);
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
  const root = readCertificate(dir, files.rootCert);
  const intermediate = readCertificate(dir, files.intermediateCert);
  const intermediateKeyPem = requireFile(dir, files.intermediateKey);
  let intermediateKey: CryptoKey;
  try {
    if (!keyMatches(intermediateKeyPem, intermediate.publicKey.rawData)) throw new Error('another key');
    intermediateKey = await importCaSigningKey(intermediateKeyPem);
  } catch {
    throw brokenCa(dir, `${files.intermediateKey} is not the key of ${files.intermediateCert}`);
  }
  return { dir, now, domains: constrainedDomains(intermediate.extensions), root, intermediate, intermediateKey, pending: new Map() };
}

function readCertificate(dir: string, file: string): X509Certificate {
  const text = requireFile(dir, file);
  try {
    return new X509Certificate(text);
  } catch {
    throw brokenCa(dir, `${file} is not a certificate`);
  }
}

function requireFile(dir: string, file: string): string {
  const text = readIfExists(file);
  if (text === undefined) throw brokenCa(dir, `${file} is missing`);
  return text;
}

function brokenCa(dir: string, what: string): SwitchyardError {
  return new SwitchyardError(
    'STORE_FAILED',
    `The local CA in ${dir} is damaged: ${what}. Restore the folder from a backup, or move it away so Switchyard creates a new CA (its root must then be trusted again).`,
  );
}
