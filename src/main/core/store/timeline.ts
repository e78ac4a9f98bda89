import type Database from 'better-sqlite3';
import type { TimelineEntry, TimelineKind } from '../../../shared/events';
import type { EventLog } from './event-log';
import { describeStoreFailure, isStoreError } from './store-errors';

/** Entries kept in memory while the database refuses writes; the oldest go first beyond this. */
export const pendingLimit = 1_000;
/** How often a refused history write is tried again. */
export const retryMs = 2_000;

/**
 * The timeline as the core writes it: history is worth keeping, but never
 * worth stopping for. A write the database refuses (locked by another
 * program, disk full, read-only) is kept in memory, shown as a problem, and
 * saved when the database takes writes again. Writes never wait for a lock:
 * they run on the event loop, where waiting would stall every proxied request.
 */
export class Timeline {
  private readonly pending: TimelineEntry[] = [];
  private dropped = 0;
  private nextTemporaryId = -1;
  private failure: string | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly log: EventLog,
    /** Hears the problem sentence when saving starts failing, and null when it works again. */
    private readonly onProblem: (problem: string | null) => void,
  ) {}

  add(kind: TimelineKind, message: string, routeId: number | null, backendId: number | null): TimelineEntry {
    const at = new Date().toISOString();
    let refused: (Error & { code: string }) | undefined;
    if (this.pending.length === 0) {
      try {
        return this.withoutWaiting(() => this.log.append(kind, message, routeId, backendId, at));
      } catch (error) {
        if (!isStoreError(error)) throw error;
        refused = error;
      }
    }
    // Ids below zero are temporary: the entry gets its real id when saved.
    const entry = { id: this.nextTemporaryId--, at, routeId, backendId, kind, message };
    this.pending.push(entry);
    if (this.pending.length > pendingLimit) {
      this.pending.shift();
      this.dropped += 1;
    }
    // Reported once the entry waits, so the sentence counts it.
    if (refused) this.failed(refused);
    this.scheduleRetry();
    return entry;
  }

  /** Saved entries and those still waiting to be saved, newest first. */
  list(routeId: number | undefined, limit: number): TimelineEntry[] {
    const waiting = this.pending.filter((e) => routeId === undefined || e.routeId === routeId).reverse();
    return [...waiting, ...this.log.list(routeId, limit)].slice(0, limit);
  }

  /** The sentence the UI and `status` show while history cannot be saved. */
  problem(): string | null {
    if (this.failure === undefined) return null;
    const waiting = `${this.pending.length} event${this.pending.length === 1 ? '' : 's'} wait${this.pending.length === 1 ? 's' : ''} in memory`;
    const lost = this.dropped ? `, ${this.dropped} older one${this.dropped === 1 ? ' was' : 's were'} dropped` : '';
    return `History could not be saved: ${this.failure}. ${waiting}${lost}; they are saved when the database takes writes again. The proxy keeps running.`;
  }

  /** Tries once more to save what waits; true when nothing is left waiting. */
  flush(): boolean {
    clearTimeout(this.retry);
    this.retry = undefined;
    if (this.pending.length === 0) return true;
    try {
      this.withoutWaiting(() =>
        this.db.transaction(() => {
          for (const e of this.pending) this.log.append(e.kind, e.message, e.routeId, e.backendId, e.at);
        })(),
      );
    } catch (error) {
      if (!isStoreError(error)) throw error;
      this.failed(error);
      this.scheduleRetry();
      return false;
    }
    this.pending.length = 0;
    this.dropped = 0;
    this.failure = undefined;
    this.onProblem(null);
    return true;
  }

  /** Stops retrying, after one last attempt to save what waits. */
  stop(): void {
    try {
      this.flush();
    } finally {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
  }

  private failed(error: Error & { code: string }): void {
    const before = this.problem();
    this.failure = describeStoreFailure(error).why;
    const after = this.problem();
    if (after !== before) this.onProblem(after);
  }

  private scheduleRetry(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.flush();
    }, retryMs);
    this.retry.unref();
  }

  /** Runs a write that fails at once on a lock instead of blocking the event loop for the busy timeout. */
  private withoutWaiting<T>(write: () => T): T {
    const busyTimeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      return write();
    } finally {
      this.db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }
}
