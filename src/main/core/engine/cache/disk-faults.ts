// What went wrong with a route's disk cache, in words that say what to do,
// counted and logged at most once a minute (a full disk fails every miss;
// the log should say so once, not thousands of times).

/** nginx logs each failure; one line a minute per route says the same without flooding the log. */
export const faultLogIntervalMs = 60_000;

/**
 * After a refused write, misses do not try the disk again for this long: a
 * full disk would otherwise fail every fill after its head announced
 * "stored"; meanwhile Cache-Status says "not stored" and why.
 */
export const writeRetryMs = 10_000;

export type FaultLog = (message: string) => void;

/** The sentence for a failed file operation on the cache folder `dir`. */
export function diskFaultSentence(error: unknown, dir: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const uncached = 'requests go to the backends uncached meanwhile';
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `disk cache unavailable: the disk that holds ${dir} is full. Free some space there or lower the route's cacheDiskMaxMb; ${uncached}.`;
    case 'EACCES':
    case 'EPERM':
      return `disk cache unavailable: Switchyard may not write to ${dir}. Give the user running Switchyard write access to it, or set the route's cacheStorage to memory; ${uncached}.`;
    case 'EROFS':
      return `disk cache unavailable: ${dir} is on a read-only filesystem. Remount it read-write, or set the route's cacheStorage to memory; ${uncached}.`;
    case 'EIO':
      return `disk cache unavailable: the disk that holds ${dir} reported an I/O error (it may be failing). Check it, or set the route's cacheStorage to memory; ${uncached}.`;
    case undefined:
    default:
      return `disk cache unavailable: ${dir} could not be used (${(error as Error)?.message ?? String(error)}); ${uncached}.`;
  }
}

export class DiskFaults {
  /** Failed reads and writes, and damaged files found, since the route's disk cache started. */
  count = 0;
  /** The last refusal of a write, until a write works again. */
  problem: string | undefined;
  private lastLogMs = -Infinity;
  private retryAtMs = -Infinity;
  private unlogged = 0;

  constructor(
    private readonly routeLabel: () => string,
    private readonly log: FaultLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** A write (or the folder) refused: the route caches nothing new until one works. */
  writeFailed(sentence: string): void {
    this.problem = sentence;
    this.retryAtMs = this.now() + writeRetryMs;
    this.note(sentence);
  }

  /** The last refusal, while writes wait before trying again; undefined when a fill may try. */
  refusing(): string | undefined {
    return this.problem !== undefined && this.now() < this.retryAtMs ? this.problem : undefined;
  }

  /** A read failed or a file was damaged: that entry is gone, the rest still serves. */
  readFailed(sentence: string): void {
    this.note(sentence);
  }

  wrote(): void {
    this.problem = undefined;
  }

  private note(sentence: string): void {
    this.count += 1;
    this.unlogged += 1;
    const now = this.now();
    if (now - this.lastLogMs < faultLogIntervalMs) return;
    const more = this.unlogged > 1 ? ` (${this.unlogged - 1} more since the last such line)` : '';
    this.lastLogMs = now;
    this.unlogged = 0;
    this.log(`cache of ${this.routeLabel()}: ${sentence}${more}`);
  }
}
