import { readdirSync, rmSync } from 'node:fs';
import { X509Certificate } from '@peculiar/x509';
import { SwitchyardError } from '../../../shared/errors';
import { dataDirWriteError } from '../store/disk-errors';
import { describeLeaf, type LeafCertificate } from './leaves';
import { LEAF_CERT_EXTENSION, leafFilesOf, leavesDir, readIfExists } from './tls-files';

// The leaves a CA folder holds, for the Certificates view and `cert list`:
// read from the files, so a leaf the HTTPS listener issued a second ago is
// listed too. Only certificates are read here, never a key file.

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
        return [describeLeaf(dir, { cert: new X509Certificate(certPem), certPem }, stem)];
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
