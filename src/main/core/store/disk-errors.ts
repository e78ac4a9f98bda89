import { statfsSync } from 'node:fs';
import { SwitchyardError } from '../../../shared/errors';

// Start-up writes to the data folder (the database, connection.json) fail with
// ENOSPC from Node, SQLITE_FULL from SQLite, or, when SQLite cannot grow its
// shared-memory file, an SQLITE_IOERR_* that does not say why. A user must get
// "the disk is full" in every case, never a bare errno.

/** Below this much free space an I/O error from SQLite is taken to be a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function freeBytes(dir: string): number {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export function isDiskFull(error: unknown, dir: string): boolean {
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
  return code.startsWith('SQLITE_IOERR') && freeBytes(dir) < NEARLY_FULL_BYTES;
}

/** `what` completes "Switchyard cannot …", e.g. "open the database /d/switchyard.db". */
export function diskFullError(dir: string, what: string): SwitchyardError {
  return new SwitchyardError(
    'DISK_FULL',
    `The disk that holds ${dir} is full, so Switchyard cannot ${what}. Free some space on it and start Switchyard again.`,
  );
}

/** A failed write into the data folder, as a sentence: a full disk says so, anything else names the cause. */
export function dataDirWriteError(error: unknown, dir: string, what: string): SwitchyardError {
  if (isDiskFull(error, dir)) return diskFullError(dir, what);
  return new SwitchyardError(
    'WRITE_FAILED',
    `Switchyard cannot ${what}: ${(error as Error).message}. Check that ${dir} is writable by you, or choose another --data-dir.`,
  );
}
