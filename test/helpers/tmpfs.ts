import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real small or read-only filesystems for the tests of full disks and folders
// Switchyard cannot chmod. Mounting needs root (CI runs as root); elsewhere
// the tests that need one are skipped with the reason.

export interface Tmpfs {
  path: string;
  unmount(): void;
}

/** Why tmpfs cannot be mounted here, or undefined when it can (checked once, by mounting one). */
export const tmpfsUnavailable: string | undefined = (() => {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    mountTmpfs('size=64k').unmount();
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed: ${(error as Error).message.split('\n')[0]}`;
  }
})();

/** `options` as for mount -o, e.g. "size=256k" or "ro,mode=0755". */
export function mountTmpfs(options: string): Tmpfs {
  const path = mkdtempSync(join(tmpdir(), 'switchyard-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', path], { stdio: 'pipe' });
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    throw error;
  }
  return {
    path,
    unmount() {
      try {
        execFileSync('umount', [path], { stdio: 'pipe' });
      } catch {
        // Still busy (a process a failing test left behind): detach it now, the kernel frees it when the process ends.
        execFileSync('umount', ['-l', path], { stdio: 'pipe' });
      }
      rmSync(path, { recursive: true, force: true });
    },
  };
}

const FILL_CHUNK_BYTES = 4096;

/** Writes `file` until the filesystem is full (ENOSPC); returns the bytes written. */
export function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(FILL_CHUNK_BYTES, 0x55);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}
