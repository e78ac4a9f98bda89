import { chmodSync, closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SwitchyardError } from '../../../shared/errors';
import { ensurePrivateDir } from './data-dir-permissions';
import { diskFullError, isDiskFull } from './disk-errors';
import { latestVersion, migrate, refuseNewerSchema, type Migration } from './migrations';

export interface OpenDatabaseOptions {
  /** Path to a better-sqlite3 build for another ABI (Electron's). */
  nativeBinding?: string;
  migrations?: Migration[];
}

/** The file holds private keys from the TLS issue on. */
const PRIVATE_FILE_MODE = 0o600;

/**
 * Opens (creating if needed) the Switchyard database. An existing file is
 * first read without writing (see accept): one this version cannot use stops
 * start-up with its path in the message, and its bytes, mode and folder are
 * exactly as they were. Only an accepted file is made 0600 (in a 0700 folder),
 * switched to WAL and migrated.
 */
/**
 * How long a command waits for another program's lock (a `sqlite3` shell, a
 * backup) before it is refused with STORE_BUSY. better-sqlite3 waits on the
 * event loop, so every proxied request waits too: keep it short.
 */
export const busyTimeoutMs = 250;

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  if (existsSync(file)) accept(file, options);
  ensurePrivateDir(dirname(file));
  let db: Database.Database | undefined;
  try {
    closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
    chmodSync(file, PRIVATE_FILE_MODE);
    db = new Database(file, bindingOption(options));
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    migrate(db, file, options.migrations);
    return db;
  } catch (error) {
    db?.close();
    throw openError(error, file);
  }
}

const bindingOption = (options: OpenDatabaseOptions) => (options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});

/**
 * Checks, on a read-only connection, that the file is SQLite, is not from a
 * newer Switchyard and passes quick_check. A read-only connection to a WAL
 * database creates the -wal and -shm files when they are missing and cannot
 * remove them on close, so the check removes the ones it created.
 */
function accept(file: string, options: OpenDatabaseOptions): void {
  const wal = `${file}-wal`;
  const created = [wal, `${file}-shm`].filter((path) => !existsSync(path));
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { ...bindingOption(options), readonly: true, fileMustExist: true });
    // The first read of the file: one that is not SQLite at all fails here with SQLITE_NOTADB.
    refuseNewerSchema(db.pragma('user_version', { simple: true }) as number, latestVersion(options.migrations), file);
    // One finding is enough to refuse the file; the message stays one line.
    const check = String(db.pragma('quick_check(1)', { simple: true }));
    if (check !== 'ok') {
      const finding = check.replace('*** in database main ***', '').trim().replaceAll('\n', '; ');
      throw Object.assign(new Error(`quick_check found: ${finding}`), { code: 'SQLITE_CORRUPT' });
    }
  } catch (error) {
    throw openError(error, file);
  } finally {
    db?.close();
    removeUnused(created, wal);
  }
}

/** Removes the WAL files the check created; a -wal with content is another writer's (losing it would lose its commits). */
function removeUnused(created: string[], wal: string): void {
  try {
    if (created.includes(wal) && statSync(wal).size > 0) return;
  } catch {
    // Never created (not a WAL database) or already gone: nothing of anyone else's to keep.
  }
  for (const path of created) rmSync(path, { force: true });
}

function openError(error: unknown, file: string): SwitchyardError {
  if (error instanceof SwitchyardError) return error;
  const dir = dirname(file);
  if (isDiskFull(error, dir)) return diskFullError(dir, `open the database ${file}`);
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new SwitchyardError(
      'DB_CORRUPT',
      `The database ${file} is damaged or is not a Switchyard database (${message}). It was left untouched: move it aside to start fresh, or restore a backup.`,
    );
  }
  return new SwitchyardError(
    'DB_OPEN_FAILED',
    `Cannot open the database ${file}: ${message}. Nothing in it was changed; check the permissions of the file and its folder, or choose another --data-dir.`,
  );
}
