import type { TrafficBatch, TrafficRecord, TrafficTrace } from '../../../../shared/traffic';
import { headersOfHead } from '../http/http1/head-parser';
import type { KeptHeaders } from '../http/message';
import { recordOf, redactHeaders, type ExchangeNote } from './exchange-note';
import { RecordSlots } from './record-slots';

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

const headerList = (kept: KeptHeaders): readonly string[] => (typeof kept === 'string' ? headersOfHead(kept) : kept);

/**
 * The last N exchanges (HAProxy's "show events" ring, Envoy's tap in
 * memory): written round and round, so memory never grows past the
 * capacity. Subscribers get batches on a timer that runs only while someone
 * listens: a UI a sample, built from the ring when sent; a log every record.
 */
export class RecordRing {
  private slots: RecordSlots;
  /** The next slot to write. */
  private next = 0;
  /** Slots holding a record (up to the capacity). */
  private held = 0;
  private lastId = 0;
  private readonly listeners = new Set<(batch: TrafficBatch) => void>();
  /** Listeners that need every record (the access log), not a sample. */
  private readonly complete = new Set<(batch: TrafficBatch) => void>();
  /** For sampled listeners: ids to send, read from the ring at the flush (records built only for what is sent). */
  private pending: number[] = [];
  /** Records built at once: for complete listeners, and for sampled ones when the ring keeps nothing. */
  private pendingBuilt: TrafficRecord[] = [];
  private everything: TrafficRecord[] = [];
  private skipped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(capacity: number) {
    this.slots = new RecordSlots(capacity);
  }

  get capacity(): number {
    return this.slots.capacity;
  }

  /** Whether anyone keeps or hears records: when not, exchanges note nothing. */
  get wanted(): boolean {
    return this.capacity > 0 || this.listeners.size > 0 || this.complete.size > 0;
  }

  add(note: ExchangeNote): void {
    const id = ++this.lastId;
    const capacity = this.capacity;
    if (capacity > 0) {
      this.slots.write(this.next, id, note);
      this.next = (this.next + 1) % capacity;
      if (this.held < capacity) this.held += 1;
    }
    if (this.listeners.size + this.complete.size === 0) return;
    const built = this.complete.size > 0 || capacity === 0 ? recordOf(id, note) : undefined;
    if (this.complete.size > 0) this.everything.push(built!);
    if (this.listeners.size === 0) return;
    if (this.pending.length + this.pendingBuilt.length >= maxBatchRecords) this.skipped += 1;
    else if (built) this.pendingBuilt.push(built);
    else this.pending.push(id);
  }

  /** A new size keeps the newest records that fit. */
  resize(capacity: number): void {
    if (capacity === this.capacity) return;
    const old = this.slots;
    // The newest that fit, oldest of them first; read before the new slots replace the old.
    const kept = Math.min(this.held, capacity);
    const slots = Array.from({ length: kept }, (_, i) => this.slotAt(this.held - kept + i));
    this.slots = new RecordSlots(capacity);
    this.next = 0;
    this.held = 0;
    for (const slot of slots) {
      this.slots.write(this.next, old.idAt(slot), old.read(slot));
      this.next = (this.next + 1) % capacity;
      this.held += 1;
    }
  }

  list({ routeId, after, limit }: RecordQuery): TrafficRecord[] {
    const out: TrafficRecord[] = [];
    const slots = this.slots;
    // Newest first, stopping at `after`: no list of every slot per call.
    for (let i = this.held - 1; i >= 0 && out.length < limit; i--) {
      const slot = this.slotAt(i);
      const id = slots.idAt(slot);
      if (id <= after) break;
      if (routeId === undefined || slots.routeIdAt(slot) === routeId) out.push(recordOf(id, slots.read(slot)));
    }
    return out.reverse();
  }

  get(id: number): TrafficTrace | undefined {
    const slot = this.slotOf(id);
    if (slot === undefined) return undefined;
    const note = this.slots.read(slot);
    return {
      ...recordOf(id, note),
      requestHeaders: redactHeaders(headerList(note.req.keptHeaders)),
      responseHeaders: redactHeaders(headerList(note.responseHeaders)),
    };
  }

  clear(): number {
    const count = this.held;
    for (let slot = 0; slot < this.capacity; slot++) this.slots.forget(slot);
    this.next = 0;
    this.held = 0;
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
        this.pendingBuilt = [];
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
    if (this.pending.length + this.pendingBuilt.length === 0) return;
    const records = this.pendingBuilt;
    let skipped = this.skipped;
    for (const id of this.pending) {
      const slot = this.slotOf(id);
      // Written over before the flush (more than the ring holds in 250 ms): counted, not sent.
      if (slot === undefined) skipped += 1;
      else records.push(recordOf(id, this.slots.read(slot)));
    }
    records.sort((a, b) => a.id - b.id);
    this.pending = [];
    this.pendingBuilt = [];
    this.skipped = 0;
    const batch: TrafficBatch = { records, skipped };
    for (const listener of this.listeners) listener(batch);
  }

  /** Where record `id` is, if the ring still holds it: ids rise by one per slot written. */
  private slotOf(id: number): number | undefined {
    const newest = this.held === 0 ? undefined : (this.next - 1 + this.capacity) % this.capacity;
    if (newest === undefined) return undefined;
    const back = this.slots.idAt(newest) - id;
    if (back < 0 || back >= this.held) return undefined;
    const slot = (newest - back + this.capacity) % this.capacity;
    return this.slots.idAt(slot) === id ? slot : undefined;
  }

  /** The slot of the `i`-th oldest record held (0: the oldest). */
  private slotAt(i: number): number {
    const capacity = this.capacity;
    return (this.next - this.held + i + capacity) % capacity;
  }
}
