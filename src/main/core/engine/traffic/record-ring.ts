import type { TrafficBatch, TrafficRecord, TrafficTrace } from '../../../../shared/traffic';
import { headersOfHead } from '../http/http1/head-parser';
import type { KeptHeaders } from '../http/message';
import { recordOf, redactHeaders, type AttemptNote, type ExchangeNote, type NotedRequest } from './exchange-note';

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
 * The ring's memory, one typed array or reference array per field, sized
 * once: noting an exchange stores numbers and references into slots and
 * allocates nothing, so records neither cost the request garbage nor fill
 * the old generation with objects (10,000 record objects did both: +14 %
 * CPU per request). Read back into records only when asked.
 */
class Columns implements ExchangeNote, NotedRequest {
  readonly id: Float64Array;
  readonly at: Float64Array;
  readonly statuses: Uint16Array;
  readonly flags: Uint16Array;
  readonly ttfb: Float64Array;
  readonly total: Float64Array;
  readonly sent: Float64Array;
  readonly received: Float64Array;
  readonly upgraded: Float64Array;
  readonly routes: (ExchangeNote['route'] | undefined)[];
  // The request's strings, not the request: it holds its socket and parser state.
  readonly clients: string[];
  readonly methods: string[];
  readonly hosts: string[];
  readonly urls: string[];
  readonly protocols: string[];
  readonly upgrades: (string | undefined)[];
  readonly requestHeaders: KeptHeaders[];
  readonly responses: KeptHeaders[];
  readonly tries: (ExchangeNote['attempts'] | undefined)[];
  /** The slot `read` points the ExchangeNote view at. */
  private slot = 0;

  constructor(readonly capacity: number) {
    this.id = new Float64Array(capacity);
    this.at = new Float64Array(capacity);
    this.statuses = new Uint16Array(capacity);
    this.flags = new Uint16Array(capacity);
    this.ttfb = new Float64Array(capacity);
    this.total = new Float64Array(capacity);
    this.sent = new Float64Array(capacity);
    this.received = new Float64Array(capacity);
    this.upgraded = new Float64Array(capacity);
    this.routes = new Array<ExchangeNote['route']>(capacity);
    this.clients = new Array<string>(capacity);
    this.methods = new Array<string>(capacity);
    this.hosts = new Array<string>(capacity);
    this.urls = new Array<string>(capacity);
    this.protocols = new Array<string>(capacity);
    this.upgrades = new Array<string | undefined>(capacity);
    this.requestHeaders = new Array<KeptHeaders>(capacity);
    this.responses = new Array<KeptHeaders>(capacity);
    this.tries = new Array<ExchangeNote['attempts']>(capacity);
  }

  write(slot: number, id: number, note: ExchangeNote): void {
    this.id[slot] = id;
    this.at[slot] = note.startedAtEpoch;
    this.statuses[slot] = note.status;
    this.flags[slot] = note.flagBits;
    this.ttfb[slot] = note.ttfbMs;
    this.total[slot] = note.totalMs;
    this.sent[slot] = note.bytesIn;
    this.received[slot] = note.bytesOut;
    this.upgraded[slot] = note.upgradeMs;
    this.routes[slot] = note.route;
    const req = note.req;
    this.clients[slot] = req.clientAddress;
    this.methods[slot] = req.method;
    this.hosts[slot] = req.host;
    this.urls[slot] = req.url;
    this.protocols[slot] = req.protocol;
    this.upgrades[slot] = req.upgrade;
    this.requestHeaders[slot] = req.keptHeaders;
    this.responses[slot] = note.responseHeaders;
    this.tries[slot] = note.attempts;
  }

  /** This object, reading `slot`, as an ExchangeNote (for recordOf). */
  read(slot: number): ExchangeNote {
    this.slot = slot;
    return this;
  }

  get startedAtEpoch(): number {
    return this.at[this.slot]!;
  }
  get route(): ExchangeNote['route'] {
    return this.routes[this.slot];
  }
  get req(): NotedRequest {
    return this;
  }
  get clientAddress(): string {
    return this.clients[this.slot]!;
  }
  get method(): string {
    return this.methods[this.slot]!;
  }
  get host(): string {
    return this.hosts[this.slot]!;
  }
  get url(): string {
    return this.urls[this.slot]!;
  }
  get protocol(): string {
    return this.protocols[this.slot]!;
  }
  get upgrade(): string | undefined {
    return this.upgrades[this.slot];
  }
  get keptHeaders(): KeptHeaders {
    return this.requestHeaders[this.slot]!;
  }
  get status(): number {
    return this.statuses[this.slot]!;
  }
  get flagBits(): number {
    return this.flags[this.slot]!;
  }
  get ttfbMs(): number {
    return this.ttfb[this.slot]!;
  }
  get totalMs(): number {
    return this.total[this.slot]!;
  }
  get bytesIn(): number {
    return this.sent[this.slot]!;
  }
  get bytesOut(): number {
    return this.received[this.slot]!;
  }
  get upgradeMs(): number {
    return this.upgraded[this.slot]!;
  }
  get responseHeaders(): KeptHeaders {
    return this.responses[this.slot]!;
  }
  get attempts(): AttemptNote | AttemptNote[] | undefined {
    return this.tries[this.slot];
  }

  /** Drops references so what a slot held can be collected. */
  forget(slot: number): void {
    this.id[slot] = 0;
    this.routes[slot] = undefined;
    this.requestHeaders[slot] = [];
    this.responses[slot] = [];
    this.tries[slot] = undefined;
  }
}

/**
 * The last N exchanges (HAProxy's "show events" ring, Envoy's tap in
 * memory): written round and round, so memory never grows past the
 * capacity. Subscribers get batches on a timer that runs only while someone
 * listens: a UI a sample, built from the ring when sent; a log every record.
 */
export class RecordRing {
  private columns: Columns;
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
    this.columns = new Columns(capacity);
  }

  get capacity(): number {
    return this.columns.capacity;
  }

  /** Whether anyone keeps or hears records: when not, exchanges note nothing. */
  get wanted(): boolean {
    return this.capacity > 0 || this.listeners.size > 0 || this.complete.size > 0;
  }

  add(note: ExchangeNote): void {
    const id = ++this.lastId;
    const capacity = this.capacity;
    if (capacity > 0) {
      this.columns.write(this.next, id, note);
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
    const old = this.columns;
    const kept = this.slotsOldestFirst().slice(-capacity || old.capacity);
    this.columns = new Columns(capacity);
    this.next = 0;
    this.held = 0;
    if (capacity === 0) return;
    for (const slot of kept) {
      this.columns.write(this.next, old.id[slot]!, old.read(slot));
      this.next = (this.next + 1) % capacity;
      this.held += 1;
    }
  }

  list({ routeId, after, limit }: RecordQuery): TrafficRecord[] {
    const out: TrafficRecord[] = [];
    const slots = this.slotsOldestFirst();
    const columns = this.columns;
    for (let i = slots.length - 1; i >= 0 && out.length < limit; i--) {
      const slot = slots[i]!;
      const id = columns.id[slot]!;
      if (id <= after) break;
      if (routeId === undefined || columns.routes[slot]?.id === routeId) out.push(recordOf(id, columns.read(slot)));
    }
    return out.reverse();
  }

  get(id: number): TrafficTrace | undefined {
    const slot = this.slotOf(id);
    if (slot === undefined) return undefined;
    const columns = this.columns;
    const note = columns.read(slot);
    return {
      ...recordOf(id, note),
      requestHeaders: redactHeaders(headerList(note.req.keptHeaders)),
      responseHeaders: redactHeaders(headerList(note.responseHeaders)),
    };
  }

  clear(): number {
    const count = this.held;
    for (let slot = 0; slot < this.capacity; slot++) this.columns.forget(slot);
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
      else records.push(recordOf(id, this.columns.read(slot)));
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
    const back = this.columns.id[newest]! - id;
    if (back < 0 || back >= this.held) return undefined;
    const slot = (newest - back + this.capacity) % this.capacity;
    return this.columns.id[slot] === id ? slot : undefined;
  }

  /** Slots holding records, oldest first. */
  private slotsOldestFirst(): number[] {
    const out: number[] = [];
    const capacity = this.capacity;
    for (let i = 0; i < this.held; i++) out.push((this.next - this.held + i + capacity) % capacity);
    return out;
  }
}
