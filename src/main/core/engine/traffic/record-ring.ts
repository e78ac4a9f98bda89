import { redactHeaders } from './exchange-record';
import { headersOfHead } from '../http/http1/head-parser';
import type { KeptHeaders } from '../http/message';
import type { TrafficBatch, TrafficRecord, TrafficTrace } from '../../../../shared/traffic';

/** Records sent to subscribers at most this often, so a busy proxy pushes a few batches a second, not a message per request. */
export const batchIntervalMs = 250;
/** A batch carries at most this many records (2,000 req/s is 500 per batch); the rest are counted as skipped. */
export const maxBatchRecords = 200;

export interface RecordQuery {
  routeId?: number;
  /** Only records with a larger id. */
  after: number;
  /** The newest this many of those that match. */
  limit: number;
}

/**
 * A record and its headers, apart: lists and batches share the record
 * itself; the headers are the exchange's own arrays (no copy on the request's
 * path), redacted only when the trace view asks for them.
 */
export interface RingEntry {
  record: TrafficRecord;
  requestHeaders: KeptHeaders;
  responseHeaders: KeptHeaders;
}

const headerList = (kept: KeptHeaders): readonly string[] => (typeof kept === 'string' ? headersOfHead(kept) : kept);

/**
 * The last N exchanges (HAProxy's "show events" ring, Envoy's tap in
 * memory): a fixed array written round and round, so keeping records costs
 * one slot store per exchange and memory never grows past the capacity.
 * Subscribers get batches on a timer that runs only while someone listens.
 */
export class RecordRing {
  private slots: (RingEntry | undefined)[];
  private next = 0;
  private lastId = 0;
  private readonly listeners = new Set<(batch: TrafficBatch) => void>();
  /** Listeners that need every record (the access log), not a sample. */
  private readonly complete = new Set<(batch: TrafficBatch) => void>();
  private pending: TrafficRecord[] = [];
  private everything: TrafficRecord[] = [];
  private skipped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(capacity: number) {
    this.slots = new Array<RingEntry | undefined>(capacity);
  }

  get capacity(): number {
    return this.slots.length;
  }

  /** Whether anyone keeps or hears records: when not, exchanges build none. */
  get wanted(): boolean {
    return this.slots.length > 0 || this.listeners.size > 0 || this.complete.size > 0;
  }

  nextId(): number {
    return ++this.lastId;
  }

  add(entry: RingEntry): void {
    if (this.slots.length > 0) {
      this.slots[this.next] = entry;
      this.next = (this.next + 1) % this.slots.length;
    }
    if (this.listeners.size + this.complete.size === 0) return;
    const record = entry.record;
    if (this.complete.size > 0) this.everything.push(record);
    if (this.listeners.size === 0) return;
    if (this.pending.length < maxBatchRecords) this.pending.push(record);
    else this.skipped += 1;
  }

  /** A new size keeps the newest records that fit. */
  resize(capacity: number): void {
    if (capacity === this.slots.length) return;
    const kept = capacity > 0 ? this.ordered().slice(-capacity) : [];
    this.slots = new Array<RingEntry | undefined>(capacity);
    this.next = 0;
    for (const entry of kept) this.slots[this.next++] = entry;
    if (capacity > 0) this.next %= capacity;
  }

  list({ routeId, after, limit }: RecordQuery): TrafficRecord[] {
    const out: TrafficRecord[] = [];
    const all = this.ordered();
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const record = all[i]!.record;
      if (record.id <= after) break;
      if (routeId === undefined || record.routeId === routeId) out.push(record);
    }
    return out.reverse();
  }

  get(id: number): TrafficTrace | undefined {
    for (const entry of this.slots) {
      if (entry?.record.id === id) return { ...entry.record, requestHeaders: redactHeaders(headerList(entry.requestHeaders)), responseHeaders: redactHeaders(headerList(entry.responseHeaders)) };
    }
    return undefined;
  }

  clear(): number {
    const count = this.ordered().length;
    this.slots = new Array<RingEntry | undefined>(this.slots.length);
    this.next = 0;
    return count;
  }

  /**
   * Hears new records in batches, a sample at high rates (a UI), or every
   * record (`complete`: a log); returns the function that stops it.
   */
  subscribe(listener: (batch: TrafficBatch) => void, { complete = false } = {}): () => void {
    (complete ? this.complete : this.listeners).add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => this.flush(), batchIntervalMs);
      this.timer.unref();
    }
    return () => {
      // A log that stops (Switchyard stopping, the access log switched off) still gets the records of its last 250 ms.
      if (complete && this.complete.has(listener) && this.everything.length > 0) listener({ records: this.everything.slice(), skipped: 0 });
      (complete ? this.complete : this.listeners).delete(listener);
      if (this.listeners.size === 0) {
        this.pending = [];
        this.skipped = 0;
      }
      if (this.complete.size === 0) this.everything = [];
      if (this.listeners.size + this.complete.size > 0) return;
      clearInterval(this.timer);
      this.timer = undefined;
    };
  }

  private flush(): void {
    if (this.everything.length > 0) {
      const batch: TrafficBatch = { records: this.everything, skipped: 0 };
      this.everything = [];
      for (const listener of this.complete) listener(batch);
    }
    if (this.pending.length === 0) return;
    const batch: TrafficBatch = { records: this.pending, skipped: this.skipped };
    this.pending = [];
    this.skipped = 0;
    for (const listener of this.listeners) listener(batch);
  }

  /** Oldest first. */
  private ordered(): RingEntry[] {
    const out: RingEntry[] = [];
    const size = this.slots.length;
    for (let i = 0; i < size; i++) {
      const entry = this.slots[(this.next + i) % size];
      if (entry) out.push(entry);
    }
    return out;
  }
}
