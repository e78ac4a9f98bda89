import { existsSync } from 'node:fs';
import { X509Certificate } from '@peculiar/x509';
import { SwitchyardError } from '../../../shared/errors';
import type { CaState, StoredLeaf } from './ca-state';
import { fingerprint256, keyTypeOf, signLeaf, subjectAltNames } from './certificate-profiles';
import { crypto, generateKeys, keyMatches, privateKeyPem, type KeyType } from './keys';
import { checkSubjectName, type SubjectName } from './name-constraints';
import { needsRenewal } from './renewal';
import { CERT_FILE_MODE, KEY_FILE_MODE, leafFiles, leafFilesOf, leafStem, readIfExists, writeFileAtomic } from './tls-files';

// Leaf certificates: checked against the constraints before signing, stored
// under leaves/<first name>.{key,crt}, reused until renewal is due.

export interface LeafOptions {
  keyType?: KeyType;
}

/** A leaf as the UI and commands see it: its certificate and where its files are, never its key. */
export interface LeafCertificate {
  /** The file name without extension: one per set of names and key type (leafStem). */
  id: string;
  certificatePath: string;
  /** Leaf then intermediate, written with the leaf. */
  chainPath: string;
  /** The key's file (0600), for the user's own dev server to read; the key itself never leaves this folder. */
  keyPath: string;
  names: string[];
  keyType: KeyType;
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
}

type LeafPaths = ReturnType<typeof leafFiles>;

/** The leaf for `rawNames`: the stored one when `reuse` and it still fits, else a newly issued one. */
export async function obtainLeaf(state: CaState, rawNames: readonly string[], options: LeafOptions, { reuse }: { reuse: boolean }): Promise<StoredLeaf> {
  if (rawNames.length === 0) {
    throw new SwitchyardError('VALIDATION_FAILED', 'A certificate needs at least one name: give a host name such as api.test.localhost.', 'names');
  }
  const checked = rawNames.map((name, index) => checkSubjectName(name, state.domains, `names.${index}`));
  // A name given twice (or as Api.test.localhost and api.test.localhost) is one SAN, and the same file as given once.
  const names = checked.filter((name, index) => checked.findIndex((other) => nameText(other) === nameText(name)) === index);
  const keyType = options.keyType ?? 'ecdsa-p256';
  const files = leafFiles(state.dir, names.map(nameText), keyType);
  const pending = state.pending.get(files.cert);
  // A caller that may reuse takes whatever is under way (a handshake burst issues one leaf). A forced issue
  // (regenerate) must not: the pending one may be a handshake's reuse of the very leaf being replaced, so it
  // waits for it and then issues its own, and what it reports as new is new.
  if (pending && reuse) return pending;
  const work = (async () => {
    await pending?.catch(() => undefined);
    return (reuse ? await storedLeaf(state, files, names, keyType) : undefined) ?? issue(state, files, names, keyType);
  })();
  state.pending.set(files.cert, work);
  try {
    return await work;
  } finally {
    // A forced issue queued behind this one holds the entry now: it removes it itself.
    if (state.pending.get(files.cert) === work) state.pending.delete(files.cert);
  }
}

/** The stored leaf if it has these names and key type, matches its key, chains to the intermediate and is not due for renewal. */
async function storedLeaf(state: CaState, files: LeafPaths, names: SubjectName[], keyType: KeyType): Promise<StoredLeaf | undefined> {
  const certPem = readIfExists(files.cert);
  const keyPem = readIfExists(files.key);
  // Without its chain file (a crash after the certificate was written) the user's copy is incomplete: issue again.
  if (certPem === undefined || keyPem === undefined || !existsSync(files.chain)) return undefined;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    if (!keyMatches(keyPem, cert.publicKey.rawData)) return undefined;
  } catch {
    return undefined; // An unreadable leaf is replaced, like a missing one.
  }
  const fits =
    sameList(subjectAltNames(cert), names.map(nameText).sort()) &&
    keyTypeOf(cert) === keyType &&
    !needsRenewal(cert, state.now()) &&
    (await cert.verify({ publicKey: state.intermediate.publicKey, signatureOnly: true }, crypto));
  return fits ? { cert, certPem, keyPem } : undefined;
}

async function issue(state: CaState, files: LeafPaths, names: SubjectName[], keyType: KeyType): Promise<StoredLeaf> {
  const keys = await generateKeys(keyType);
  const cert = await signLeaf({
    issuer: state.intermediate,
    issuerKey: state.intermediateKey,
    publicKey: keys.publicKey,
    keyType,
    names,
    now: state.now(),
  });
  const keyPem = await privateKeyPem(keys.privateKey);
  const certPem = cert.toString('pem');
  // The key first: a crash between the two leaves a pair that does not match, which storedLeaf replaces.
  writeFileAtomic(files.key, keyPem, KEY_FILE_MODE);
  writeFileAtomic(files.cert, certPem, CERT_FILE_MODE);
  // For the user's own dev server (the proxy builds its chain in memory): the intermediate signed it, so it stays a valid chain after a re-issue.
  writeFileAtomic(files.chain, `${certPem.trimEnd()}\n${state.intermediate.toString('pem').trimEnd()}\n`, CERT_FILE_MODE);
  return { cert, certPem, keyPem };
}

export function describeLeaf(dir: string, { cert, certPem }: Pick<StoredLeaf, 'cert' | 'certPem'>): LeafCertificate {
  const names = subjectAltNames(cert);
  const keyType = keyTypeOf(cert);
  const id = leafStem(names, keyType);
  const files = leafFilesOf(dir, id);
  return {
    id,
    certificatePath: files.cert,
    chainPath: files.chain,
    keyPath: files.key,
    names,
    keyType,
    certificatePem: certPem,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprint256: fingerprint256(certPem),
  };
}

const nameText = (name: SubjectName) => (name.kind === 'dns' ? name.name : name.address);

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, index) => item === b[index]);
