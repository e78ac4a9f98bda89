import { X509Certificate } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { SocketAddress, isIP } from 'node:net';
import { SwitchyardError } from '../../../shared/errors';
import { dataDirWriteError } from '../store/disk-errors';
import type { LeafCertificate } from './leaves';
import { LEAF_CERT_EXTENSION, leafFilesOf, leavesDir, readIfExists } from './tls-files';

// The leaves a CA folder holds, for the Certificates view and `cert list`:
// read from the files, so a leaf the HTTPS listener issued a second ago is
// listed too. Only certificates are read here, never a key file.

const SAN_ENTRY = /^(DNS|IP Address):(.*)$/;

/** A SAN's text as Node prints it ("DNS:a.localhost, IP Address:0:0:0:0:0:0:0:1"), IPv6 in its canonical form as the CA issued it. */
function namesOf(subjectAltName: string | undefined): string[] {
  return (subjectAltName ?? '')
    .split(', ')
    .flatMap((entry) => {
      const [, kind, value = ''] = SAN_ENTRY.exec(entry) ?? [];
      if (kind === 'DNS') return [value];
      if (kind === 'IP Address') return [new SocketAddress({ address: value, family: isIP(value) === 6 ? 'ipv6' : 'ipv4' }).address];
      return [];
    })
    .sort();
}

/**
 * A stored leaf described with Node's X509Certificate: listing parses every
 * leaf on each `certificates.get`, and @peculiar/x509's ASN.1 parser took
 * ~28 ms a leaf on this VM against well under 1 ms here.
 */
function describeLeafFile(dir: string, stem: string, certPem: string): LeafCertificate {
  const cert = new X509Certificate(certPem);
  const files = leafFilesOf(dir, stem);
  return {
    id: stem,
    certificatePath: files.cert,
    chainPath: files.chain,
    keyPath: files.key,
    names: namesOf(cert.subjectAltName),
    keyType: cert.publicKey.asymmetricKeyType === 'rsa' ? 'rsa-2048' : 'ecdsa-p256',
    certificatePem: certPem,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256,
  };
}

/** Every readable leaf certificate in the folder, sorted by first name then key type; anything else there is skipped. */
export function storedLeaves(dir: string): LeafCertificate[] {
  let files: string[];
  try {
    files = readdirSync(leavesDir(dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const leaves = files
    .filter((file) => file.endsWith(LEAF_CERT_EXTENSION))
    .flatMap((file) => {
      const stem = file.slice(0, -LEAF_CERT_EXTENSION.length);
      const certPem = readIfExists(leafFilesOf(dir, stem).cert);
      if (certPem === undefined) return []; // Removed since the folder was read.
      try {
        return [describeLeafFile(dir, stem, certPem)];
      } catch {
        return []; // Not a certificate (a file the user put there): not ours to list or delete.
      }
    });
  return leaves.sort((a, b) => (a.names[0] ?? '').localeCompare(b.names[0] ?? '') || a.keyType.localeCompare(b.keyType) || a.id.localeCompare(b.id));
}

/** Deletes a listed leaf's certificate and key; CERT_NOT_FOUND for an id that is not listed (so an id is never a path). */
export function removeStoredLeaf(dir: string, id: string): LeafCertificate {
  const leaf = storedLeaves(dir).find((candidate) => candidate.id === id);
  if (!leaf) throw certificateNotFound(`There is no certificate ${id}`);
  try {
    // The certificate first: a leaf without its certificate is not listed, and a key left alone is re-written at the next issue.
    rmSync(leaf.certificatePath, { force: true });
    rmSync(leaf.chainPath, { force: true });
    rmSync(leaf.keyPath, { force: true });
  } catch (error) {
    throw dataDirWriteError(error, leavesDir(dir), `delete ${leaf.certificatePath}`);
  }
  return leaf;
}

export const certificateNotFound = (what: string) =>
  new SwitchyardError('CERT_NOT_FOUND', `${what}. See the certificates with \`switchyard cert list\` or in the Certificates view.`);
