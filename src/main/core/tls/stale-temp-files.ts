import { lstatSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { LEAF_FILE_ENDINGS, TEMP_NAME, caFiles, leavesDir, tlsDir } from './tls-files';

// A process killed while it wrote a key leaves `<file>.<pid>.<hex>.tmp`
// (writeFileAtomic) or, while it created the CA, a `tls.<pid>.<hex>.tmp`
// folder (half a CA, keys included). Nothing else ever reads or removes them,
// so they are removed when the CA opens: only names of that pattern for one of
// our own files, and only when their writer is gone or they are older than
// any write takes, so a write under way in another process (or a second open
// in this one) keeps its file.

/** A write takes milliseconds; a temp file this old is left over even if its pid now belongs to another process. */
const STALE_TEMP_AGE_MS = 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function stale(stats: Stats, pid: number, now: number): boolean {
  return now - stats.mtimeMs > STALE_TEMP_AGE_MS || !processAlive(pid);
}

/** Removes `folder`'s stale temp files whose final name `ours` accepts; a folder only when `folders` (the CA's own temp folder). */
function sweep(folder: string, ours: (target: string) => boolean, folders: boolean, now: number): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return; // Not there (yet): nothing left over in it.
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match?.groups || !ours(match.groups.target ?? '')) continue;
    const path = join(folder, name);
    try {
      const stats = lstatSync(path);
      if (!(stats.isFile() || (folders && stats.isDirectory())) || !stale(stats, Number(match.groups.pid), now)) continue;
      rmSync(path, { recursive: stats.isDirectory(), force: true });
    } catch {
      // Best effort: another process removed it first, or it cannot be removed; opening the CA does not depend on it.
    }
  }
}

export function removeStaleTempFiles(dataDir: string): void {
  const now = Date.now();
  const dir = tlsDir(dataDir);
  const caNames = new Set(Object.values(caFiles(dir)).map((file) => basename(file)));
  sweep(dataDir, (target) => target === basename(dir), true, now);
  sweep(dir, (target) => caNames.has(target), false, now);
  sweep(leavesDir(dir), (target) => LEAF_FILE_ENDINGS.some((ending) => target.endsWith(ending)), false, now);
}
