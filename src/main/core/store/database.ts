import { closeSync, chmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SwitchyardError } from '../../../shared/errors';
import { migrate, type Migration } from './migrations';

export interface OpenDatabaseOptions {
  /** Path to a better-sqlite3 build for another ABI (Electron's). */
  nativeBinding?: string;
  migrations?: Migration[];
}

/**
 * Opens (creating if needed) the Switchyard database. The file holds private
 * keys from the TLS issue on, so it is created 0600 inside a 0700 directory.
 * A file that cannot be read as our database stops start-up with its path in
 * the message and is never deleted or replaced.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  } catch (error) {
    throw new SwitchyardError(
      'DB_OPEN_FAILED',
      `Cannot open the database ${file}: ${(error as Error).message}. Check the folder's permissions or choose another --data-dir.`,
    );
  }

  let db: Database.Database | undefined;
  try {
    db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    // journal_mode is the first read of the file, so a corrupt header fails here.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw Object.assign(new Error(String(check)), { code: 'SQLITE_CORRUPT' });
    migrate(db, file, options.migrations);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof SwitchyardError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      throw new SwitchyardError(
        'DB_CORRUPT',
        `The database ${file} is damaged or is not a Switchyard database (${(error as Error).message}). It was left untouched: move it aside to start fresh, or restore a backup.`,
      );
    }
    throw new SwitchyardError(
      'DB_OPEN_FAILED',
      `Cannot open the database ${file}: ${(error as Error).message}. It was left untouched.`,
    );
  }
}
