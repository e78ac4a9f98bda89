import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SwitchyardError } from '../../../shared/errors';
import { dataDirWriteError } from '../store/disk-errors';

// Where the CA keeps its files, and how they are written: a key is created
// 0600 from its first byte (open with O_EXCL and the mode, so no umask or
// earlier file widens it), synced, then renamed over the old one, so a crash
// leaves the old file or the new one, never half a key (what OpenSSH's
// ssh-keygen and connection.json here do too).

export const KEY_FILE_MODE = 0o600;
/** Certificates are public, but the folder is 0700 anyway; 0644 is what `openssl req` leaves. */
export const CERT_FILE_MODE = 0o644;

export const tlsDir = (dataDir: string) => join(dataDir, 'tls');
export const leavesDir = (dir: string) => join(dir, 'leaves');

export const caFiles = (dir: string) => ({
  rootKey: join(dir, 'root.key'),
  rootCert: join(dir, 'root.crt'),
  intermediateKey: join(dir, 'intermediate.key'),
  intermediateCert: join(dir, 'intermediate.crt'),
});

/** A file name for a leaf named after its first name: `*` and `:` (wildcards, IPv6) are not portable in file names. */
export function leafFiles(dir: string, firstName: string) {
  const stem = firstName.replaceAll('*', '_').replaceAll(':', '-');
  return { key: join(leavesDir(dir), `${stem}.key`), cert: join(leavesDir(dir), `${stem}.crt`) };
}

const TEMP_SUFFIX_BYTES = 4;

export function writeFileAtomic(file: string, text: string, mode: number): void {
  // A random part besides the pid: a container restarts with the same pid, and a temp file left by a kill -9 would block O_EXCL forever.
  const temp = `${file}.${process.pid}.${randomBytes(TEMP_SUFFIX_BYTES).toString('hex')}.tmp`;
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw dataDirWriteError(error, dirname(file), `save ${file}`);
  }
}

/** The file's text, or undefined when it does not exist. */
export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SwitchyardError(
      'STORE_FAILED',
      `Switchyard cannot read ${file}: ${(error as Error).message}. Check that the file belongs to you and is readable by you only (chmod 600).`,
    );
  }
}
