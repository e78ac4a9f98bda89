import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SwitchyardError } from '../../../shared/errors';
import { dataDirWriteError } from './disk-errors';

// The data folder holds the database (private keys once local HTTPS is on)
// and connection.json (the admin token): only its owner may list or enter it.
// PostgreSQL insists on the same for its data directory and OpenSSH for
// ~/.ssh; like them Switchyard never loosens a mode, and it tightens only a
// folder that belongs to the user running it.

const PRIVATE_DIR_MODE = 0o700;
const GROUP_AND_OTHER_BITS = 0o077;
const STICKY_BIT = 0o1000;

const dataDirError = (message: string) => new SwitchyardError('DATA_DIR_UNSAFE', message);
/** The folder as one shell word, for the command a message tells the user to run. */
const shellWord = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;

/**
 * Creates `dir` (0700) or makes an existing one 0700. Refuses, with the
 * command that fixes it, a folder it cannot make private: one of another user,
 * a shared one like /tmp, or one whose mode cannot be changed.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw dataDirError(`${dir}, or a folder above it, is a file. Choose a folder for --data-dir.`);
    }
    throw dataDirWriteError(error, dir, `create the data folder ${dir}`);
  }
  const stats = statSync(dir);
  // Windows has no owner/group/other bits; its ACLs already default to the user's profile.
  if (process.platform === 'win32' || (stats.mode & GROUP_AND_OTHER_BITS) === 0) return;

  if (stats.mode & STICKY_BIT) {
    throw dataDirError(
      `${dir} is a folder shared with other users (like /tmp), so it cannot hold Switchyard's database and admin token. Choose a folder of its own, e.g. --data-dir ${join(dir, 'switchyard')}.`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw dataDirError(
      `${dir} belongs to another user (uid ${stats.uid}) and others can read it, so it cannot hold Switchyard's database and admin token. Run \`sudo chown -R ${uid} ${shellWord(dir)} && chmod 700 ${shellWord(dir)}\`, or choose another --data-dir.`,
    );
  }
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    throw dataDirError(
      `${dir} can be read by other users and Switchyard cannot change that (${(error as Error).message}). Run \`chmod 700 ${shellWord(dir)}\` as its owner, or choose another --data-dir.`,
    );
  }
}
