import { SwitchyardError, type ErrorCode } from '../../../shared/errors';

// better-sqlite3 throws SqliteError with SQLite's extended result code
// (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR_WRITE...). These are the ones a
// disk, another program or the file's permissions cause: the user can fix
// them, so each gets its own code and a sentence.

export function isStoreError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_');
}

interface StoreFailure {
  code: Extract<ErrorCode, `STORE_${string}`>;
  /** Why, as the end of a sentence: "the disk is full". */
  why: string;
  /** What to do about it. */
  fix: string;
}

export function describeStoreFailure(error: Error & { code: string }): StoreFailure {
  const code = error.code;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { code: 'STORE_BUSY', why: 'another program holds a lock on the database', fix: 'close the program that has switchyard.db open, then try again' };
  }
  if (code === 'SQLITE_FULL') return { code: 'STORE_FULL', why: 'the disk is full', fix: 'free some disk space, then try again' };
  if (code.startsWith('SQLITE_READONLY')) {
    return { code: 'STORE_READ_ONLY', why: 'the database cannot be written (read-only file or disk)', fix: "check the data folder's permissions and free space, then try again" };
  }
  return { code: 'STORE_FAILED', why: `the database reported ${code} (${error.message})`, fix: 'check the disk, then try again' };
}

/** A failed write from a command: nothing was changed, and the sentence says why and what to do. */
export function storeWriteError(error: Error & { code: string }): SwitchyardError {
  const failure = describeStoreFailure(error);
  return new SwitchyardError(failure.code, `The change could not be saved: ${failure.why}. Nothing was changed; ${failure.fix}.`);
}
