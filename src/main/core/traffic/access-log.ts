import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrafficBatch, TrafficRecord } from '../../../shared/traffic';
import { describeFileFailure } from './file-failure';

// The access log: every proxied exchange as one JSON line in
// <dataDir>/access.log, Caddy's field names where they fit. Written off the
// request path, in batches, through a bounded queue: a slow or failing disk
// costs log lines, never the proxy's time or memory.

export const accessLogFile = (dataDir: string) => join(dataDir, 'access.log');

/**
 * Old files kept: access.log.1 (newest) … access.log.3. Caddy keeps 10
 * (roll_keep); this log lives in the user's own data folder on a developer's
 * machine, so at the default 10 MiB it stays under 40 MiB in all, and the
 * last few hours of a dev server's traffic are what anyone reads.
 */
export const keptFiles = 3;
/** Lines waiting for the disk beyond this are dropped and counted (about 10,000 exchanges). */
export const maxQueuedBytes = 4 * 1024 * 1024;
/** How often a log that failed is tried again. */
export const retryMs = 2_000;
/** The log holds the paths clients asked for: only its owner reads it, like the database (data-dir-permissions.ts). */
const PRIVATE_FILE_MODE = 0o600;
const GROUP_AND_OTHER_BITS = 0o077;
const msPerSecond = 1_000;

/** One line of the log: Caddy's access log fields (ts in seconds, duration in seconds, size), then Switchyard's own. */
export function accessLogEntry(record: TrafficRecord) {
  return {
    ts: record.at / msPerSecond,
    id: record.id,
    // Caddy logs request.tls only for TLS connections, with the version among its fields.
    request: {
      remote_ip: record.client,
      proto: record.protocol,
      method: record.method,
      host: record.host,
      uri: record.path,
      ...(record.tls === null ? {} : { tls: { version: record.tls } }),
    },
    bytes_read: record.bytesIn,
    status: record.status,
    duration: record.totalMs / msPerSecond,
    size: record.bytesOut,
    route: record.route,
    backend: record.backend,
    attempts: record.attempts.length,
    flags: record.flags,
    // Only where they say something: a route with the cache on, an L4 route's connection.
    ...(record.cache === null ? {} : { cache: record.cache, cache_status: record.cacheStatus }),
    ...(record.end === null ? {} : { kind: record.kind, end: record.end }),
  };
}

interface Line {
  text: string;
  bytes: number;
}

export interface AccessLogOptions {
  dataDir: string;
  /** Hears every record (RecordRing.subscribe with `complete`); returns the function that stops it. */
  subscribe: (listener: (batch: TrafficBatch) => void) => () => void;
  /** Hears the problem sentence when writing fails, and null when it works again. */
  onProblem: (problem: string | null) => void;
  /** serve's stderr: lines dropped because the disk was slower than the traffic. */
  log?: (line: string) => void;
}

/**
 * Switched on and off by the proxy settings (`configure`). All file work runs
 * one step at a time on `work`, so writes, rolls and closing never overlap.
 */
export class AccessLog {
  private maxBytes = Number.POSITIVE_INFINITY;
  private unsubscribe: (() => void) | undefined;
  private queue: Line[] = [];
  private queuedBytes = 0;
  private draining = false;
  private work: Promise<void> = Promise.resolve();
  private handle: FileHandle | undefined;
  /** Bytes of whole lines in access.log: a failed write is cut back to this, so no line is ever left half written. */
  private size = 0;
  /** Why writing stopped, as the end of a sentence, and what to do; undefined while all is well. */
  private failure: { why: string; fix: string } | undefined;
  /** The retry timer fired: the next batch is written to find out whether the disk works again. */
  private retryDue = false;
  private retry: NodeJS.Timeout | undefined;
  /** Exchanges not logged while writing failed. */
  private lost = 0;
  /** Exchanges dropped because the queue was full, not yet reported. */
  private dropped = 0;
  private readonly file: string;

  constructor(private readonly options: AccessLogOptions) {
    this.file = accessLogFile(options.dataDir);
  }

  /** Follows the proxy settings: starts or stops hearing records, and takes a new size limit. */
  configure({ accessLog, accessLogMaxBytes }: { accessLog: boolean; accessLogMaxBytes: number }): void {
    this.maxBytes = accessLogMaxBytes;
    if (accessLog && !this.unsubscribe) {
      this.unsubscribe = this.options.subscribe((batch) => this.append(batch.records));
    } else if (!accessLog && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = undefined;
      // Turned off: what is queued is still written, then the file is closed and any problem is gone.
      this.schedule(() => this.closeFile());
      this.clearFailure();
    }
  }

  /** The sentence `status` and the UI show while the log cannot be written. */
  problem(): string | null {
    if (!this.failure) return null;
    const lost = `${this.lost} exchange${this.lost === 1 ? ' was' : 's were'} not logged so far`;
    return (
      `The access log ${this.file} cannot be written: ${this.failure.why}. ${lost}; Switchyard tries again every ${retryMs / msPerSecond} s. ` +
      `To fix it ${this.failure.fix}, or turn the log off with \`switchyard settings --set accessLog=off\`. The proxy keeps running.`
    );
  }

  /** Stops hearing records and writes what is queued; resolves when the file is closed. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.retry);
    this.schedule(() => this.closeFile());
    await this.work;
  }

  private append(records: readonly TrafficRecord[]): void {
    if (this.failure && !this.retryDue) {
      this.lost += records.length;
      return;
    }
    for (const record of records) {
      const text = `${JSON.stringify(accessLogEntry(record))}\n`;
      const bytes = Buffer.byteLength(text);
      if (this.queuedBytes + bytes > maxQueuedBytes) {
        this.dropped += 1;
        continue;
      }
      this.queue.push({ text, bytes });
      this.queuedBytes += bytes;
    }
    if (this.draining || this.queue.length === 0) return;
    this.draining = true;
    this.schedule(() => this.drain());
  }

  /** Runs `step` after every step before it. Steps handle the disk's errors themselves; anything else is a bug, logged, and must not stop the steps after it. */
  private schedule(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch((error: unknown) => this.options.log?.(`The access log failed unexpectedly (the proxy keeps running): ${(error as Error)?.stack ?? String(error)}`));
  }

  /** Writes until the queue is empty, one write per batch (split only where the file is rolled). */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const lines = this.queue;
        this.queue = [];
        this.queuedBytes = 0;
        const written = await this.write(lines).catch((error: unknown) => ({ error }));
        if (typeof written === 'object') {
          this.failed(written.error, lines.length - this.writtenOf(lines));
          return;
        }
        if (this.failure) this.recovered();
        this.reportDropped();
      }
    } finally {
      this.draining = false;
    }
  }

  /** Lines of the current batch already on disk; `write` counts them as it goes. */
  private batchWritten = 0;
  private writtenOf(lines: readonly Line[]): number {
    return Math.min(this.batchWritten, lines.length);
  }

  private async write(lines: readonly Line[]): Promise<number> {
    this.batchWritten = 0;
    let handle = await this.openFile();
    let chunk = '';
    let chunkBytes = 0;
    let chunkLines = 0;
    for (const line of lines) {
      // Roll before the line that would pass the limit, so every file ends on a whole line (a line
      // longer than the limit goes alone into a file of its own: it cannot be split and must not be lost).
      if (this.size + chunkBytes + line.bytes > this.maxBytes && this.size + chunkBytes > 0) {
        await this.appendChunk(handle, chunk, chunkBytes, chunkLines);
        [chunk, chunkBytes, chunkLines] = ['', 0, 0];
        handle = await this.roll();
      }
      chunk += line.text;
      chunkBytes += line.bytes;
      chunkLines += 1;
    }
    await this.appendChunk(handle, chunk, chunkBytes, chunkLines);
    return this.batchWritten;
  }

  private async appendChunk(handle: FileHandle, chunk: string, bytes: number, lines: number): Promise<void> {
    if (lines === 0) return;
    // appendFile loops over short writes, so a line is either written whole or the write fails.
    await handle.appendFile(chunk);
    this.size += bytes;
    this.batchWritten += lines;
  }

  private async openFile(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    const handle = await open(this.file, 'a', PRIVATE_FILE_MODE);
    try {
      const stats = await handle.stat();
      if (stats.mode & GROUP_AND_OTHER_BITS) await handle.chmod(PRIVATE_FILE_MODE);
      this.size = stats.size;
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
    return handle;
  }

  /** access.log → access.log.1 → … → access.log.3; the oldest is replaced (logrotate's and Caddy's order). */
  private async roll(): Promise<FileHandle> {
    await this.closeFile();
    for (let n = keptFiles; n > 1; n--) await renameIfThere(`${this.file}.${n - 1}`, `${this.file}.${n}`);
    await rename(this.file, `${this.file}.1`);
    return this.openFile();
  }

  private async closeFile(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  private failed(error: unknown, notWritten: number): void {
    this.retryDue = false;
    this.queue = [];
    this.queuedBytes = 0;
    const before = this.problem();
    // Switched off (or stopping) while the write was under way: there is no log left to fix.
    if (this.unsubscribe) {
      this.lost += notWritten;
      this.failure = describeFileFailure(error, this.file);
    }
    // A write the disk refused part way leaves half a line: cut the file back to its last whole line
    // (through the handle, so only the file that was written is touched).
    const handle = this.handle;
    const size = this.size;
    this.handle = undefined;
    if (handle) {
      this.schedule(async () => {
        await handle.truncate(size).catch(() => undefined);
        await handle.close().catch(() => undefined);
      });
    }
    const after = this.problem();
    if (after !== before) this.options.onProblem(after);
    if (!this.failure) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.retryDue = true;
    }, retryMs);
    this.retry.unref();
  }

  private recovered(): void {
    this.options.log?.(`The access log ${this.file} is written again; ${this.lost} exchange${this.lost === 1 ? ' was' : 's were'} not logged while it failed.`);
    this.clearFailure();
  }

  private clearFailure(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.retryDue = false;
    this.lost = 0;
    if (!this.failure) return;
    this.failure = undefined;
    this.options.onProblem(null);
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    const count = this.dropped;
    this.dropped = 0;
    this.options.log?.(
      `The access log dropped ${count} exchange${count === 1 ? '' : 's'}: the disk was slower than the traffic (more than ${maxQueuedBytes / 1024 / 1024} MiB waited to be written).`,
    );
  }
}

async function renameIfThere(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
