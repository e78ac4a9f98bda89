import { dirname } from 'node:path';

/** Why a file could not be written, as the end of a sentence, and what to do about it ("To fix it …"). */
export interface FileFailure {
  why: string;
  fix: string;
}

// The errors a disk, a mount or the file's permissions cause: the user can
// fix each, so each gets its own sentence rather than a bare errno.
export function describeFileFailure(error: unknown, file: string): FileFailure {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return { why: 'the disk is full', fix: `free some space on the disk that holds ${dirname(file)}` };
    case 'EROFS':
      return { why: 'the disk is read-only', fix: `make the disk that holds ${dirname(file)} writable again` };
    case 'EACCES':
    case 'EPERM':
      return { why: 'permission denied', fix: `make ${file} and its folder writable by you` };
    case 'EISDIR':
      return { why: 'it is a folder', fix: `move the folder ${file} out of the way` };
    // No errno at all: as unexpected as an unknown one.
    case undefined:
    default:
      return { why: `${code ?? 'an error'} (${(error as Error)?.message ?? String(error)})`, fix: `check the disk that holds ${dirname(file)}` };
  }
}
