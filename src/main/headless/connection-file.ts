import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir } from '../core/store/data-dir-permissions';
import { dataDirWriteError } from '../core/store/disk-errors';

/** How the CLI (and a user) finds a running `serve`: written 0600, it holds the admin token. */
export const connectionSchema = z.object({
  pid: z.number(),
  adminUrl: z.string(),
  token: z.string().min(32),
  httpPort: z.number(),
  /** Absent in files written before HTTPS, or when serve has no HTTPS listener. */
  httpsPort: z.number().optional(),
  startedAt: z.string(),
});
export type Connection = z.infer<typeof connectionSchema>;

export const connectionFile = (dataDir: string) => join(dataDir, 'connection.json');

export function readConnection(dataDir: string): Connection | undefined {
  try {
    return connectionSchema.parse(JSON.parse(readFileSync(connectionFile(dataDir), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Replaces the file in one rename, so a reader sees the old or the new one; a failed write leaves neither a half file nor the temp file. */
export function writeConnection(dataDir: string, connection: Connection): void {
  ensurePrivateDir(dataDir);
  const file = connectionFile(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw dataDirWriteError(error, dataDir, `save ${file}`);
  }
}

/** Keeps the token across restarts so an open UI tab reconnects by itself. */
/** 256 random bits, URL-safe: it travels in the UI address's fragment. */
export const newToken = (): string => randomBytes(32).toString('base64url');

export function loadOrCreateToken(dataDir: string): string {
  return readConnection(dataDir)?.token ?? newToken();
}

/** With Switchyard stopped: the next start uses a new token. False when there is no token yet to replace. */
export function rotateStoredToken(dataDir: string): boolean {
  const stored = readConnection(dataDir);
  if (!stored) return false;
  writeConnection(dataDir, { ...stored, token: newToken() });
  return true;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
