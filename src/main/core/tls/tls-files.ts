import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SwitchyardError } from '../../../shared/errors';
import { dataDirWriteError } from '../store/disk-errors';
import type { KeyType } from './keys';

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

const NAME_SET_HASH_HEX = 8;
/** A leaf whose key type is not the default says so in its file name. */
const DEFAULT_LEAF_KEY_TYPE: KeyType = 'ecdsa-p256';

/**
 * The file name (without extension) of the leaf for these names and key type,
 * also its id in the certificate commands: one file per set of names and key
 * type, so a certificate a user issues for [a, b] or with RSA never replaces
 * the one a route uses for [a]. A single name is the file name
 * (`api.test.localhost`); more add their count and a hash of the sorted set,
 * as mkcert names `example.com+4.pem` (plus the hash, so [a, b] and [a, c]
 * differ). `*` and `:` (wildcards, IPv6) are not portable in file names.
 */
export function leafStem(names: readonly string[], keyType: KeyType): string {
  const sorted = [...names].sort();
  const first = (sorted[0] ?? '').replaceAll('*', '_').replaceAll(':', '-');
  const more = sorted.length > 1 ? `+${sorted.length - 1}-${sha256Hex(sorted.join()).slice(0, NAME_SET_HASH_HEX)}` : '';
  const keySuffix = keyType === DEFAULT_LEAF_KEY_TYPE ? '' : `.${keyType}`;
  return `${capped(`${first}${more}`, MAX_LEAF_STEM_LENGTH - keySuffix.length)}${keySuffix}`;
}

/**
 * A host name may be 253 characters, a file name 255 bytes (ext4, APFS,
 * NTFS) including our longest ending, `.chain.pem` plus a temp file's
 * `.<pid>.<8 hex>.tmp`: past this length the stem keeps its first characters,
 * readable in a listing, and ends in a hash of the whole, so two long names
 * that begin alike stay two files. Names are ASCII (checked host names and IP
 * addresses), so characters are bytes.
 */
const MAX_LEAF_STEM_LENGTH = 200;
const LONG_STEM_HASH_HEX = 16;

function capped(stem: string, max: number): string {
  if (stem.length <= max) return stem;
  const hash = sha256Hex(stem).slice(0, LONG_STEM_HASH_HEX);
  return `${stem.slice(0, max - hash.length - 1)}-${hash}`;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export const LEAF_CERT_EXTENSION = '.crt';
const LEAF_KEY_EXTENSION = '.key';
/** Not `.crt`: only leaves are listed by that extension. */
const LEAF_CHAIN_SUFFIX = '.chain.pem';

/** How every file in leaves/ ends: a temp file for any other ending is not one of ours. */
export const LEAF_FILE_ENDINGS: readonly string[] = [LEAF_KEY_EXTENSION, LEAF_CERT_EXTENSION, LEAF_CHAIN_SUFFIX];

export function leafFilesOf(dir: string, stem: string) {
  const base = join(leavesDir(dir), stem);
  return { key: `${base}${LEAF_KEY_EXTENSION}`, cert: `${base}${LEAF_CERT_EXTENSION}`, chain: `${base}${LEAF_CHAIN_SUFFIX}` };
}

export const leafFiles = (dir: string, names: readonly string[], keyType: KeyType) => leafFilesOf(dir, leafStem(names, keyType));

const TEMP_SUFFIX_BYTES = 4;

/**
 * Where `path` is written before its rename: beside it, with the writer's pid
 * (stale-temp-files.ts removes those whose process is gone) and a random part,
 * since a container restarts with the same pid and a temp file left by a
 * kill -9 would block O_EXCL forever.
 */
export const tempPathFor = (path: string) => `${path}.${process.pid}.${randomBytes(TEMP_SUFFIX_BYTES).toString('hex')}.tmp`;

/** A name tempPathFor made: the final name, the writer's pid, its random part. */
export const TEMP_NAME = new RegExp(`^(?<target>.+)\\.(?<pid>\\d+)\\.[0-9a-f]{${TEMP_SUFFIX_BYTES * 2}}\\.tmp$`);

export function writeFileAtomic(file: string, text: string, mode: number): void {
  const temp = tempPathFor(file);
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
    try {
      rmSync(temp, { force: true });
    } catch {
      // The write's own error is the one to report: ENAMETOOLONG or EACCES fail the removal as well, and a temp file left is removed when the CA next opens.
    }
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
