import { useSyncExternalStore } from 'react';
import type { TrafficBatch, TrafficRecord } from '../../shared/traffic';
import type { Invoke } from './api-context';
import { matcher, noFilters, type TrafficFilters } from './traffic-filter';

/**
 * The most `traffic.list` hands out at once (its schema's maximum, the
 * largest ring proxy settings allow): one call loads the whole ring.
 */
const listLimit = 100_000;
/** The sample notice covers the batches of the last second, as its sentence says. */
const sampleWindowMs = 1_000;
/**
 * Batches come every 250 ms give or take the timers' lateness: a window of
 * exactly a second would now and then hold five of them and overstate the rate.
 */
const batchLatenessMs = 100;

export interface TrafficSample {
  /** Records the batches of the last second carried... */
  shown: number;
  /** ...of this many requests in that second. */
  total: number;
}

export interface TrafficState {
  /** What the view holds, oldest first: at most `capacity` records. */
  records: TrafficRecord[];
  /** Those of `records` that pass `filters`, oldest first. */
  shown: TrafficRecord[];
  filters: TrafficFilters;
  /** The engine's ring size (0: recording is off); undefined until the first load answers. */
  capacity: number | undefined;
  /** Frozen: batches are counted, not shown, until resume fetches what came meanwhile. */
  paused: boolean;
  /** Requests that arrived while paused. */
  newWhilePaused: number;
  /** Set while the last second's batches were a sample (the engine skipped some). */
  sample: TrafficSample | undefined;
  loading: boolean;
}

/** requestAnimationFrame where there is a page; a timer of about one frame elsewhere (unit tests under Node). */
const nextFrame: (run: () => void) => void =
  typeof requestAnimationFrame === 'function' ? (run) => requestAnimationFrame(run) : (run) => setTimeout(run, 16);

/**
 * The Traffic view's records, outside React like LiveStore: batches pushed
 * by the core (`traffic.added`) are collected and applied at most once per
 * animation frame, so 2,000 req/s (8 batches a second at most, 200 records
 * each) costs a few renders a second, not one per request. The filtered list
 * is kept up to date incrementally: an append filters only the new records.
 *
 * Records are kept only while the view is open (`activate`); opening it
 * fetches what the ring gained meanwhile, so nothing that the ring still
 * holds is missed.
 */
export class TrafficStore {
  private state: TrafficState = {
    records: [],
    shown: [],
    filters: noFilters,
    capacity: undefined,
    paused: false,
    newWhilePaused: 0,
    sample: undefined,
    loading: false,
  };
  private readonly listeners = new Set<() => void>();
  private test = matcher(noFilters);
  /** The newest record id held: a load asks for what came after it. */
  private lastId = 0;
  /** Records received since the last frame, applied together. */
  private incoming: TrafficRecord[] = [];
  private frameScheduled = false;
  /** Batches that came while a load was on its way: applied after its answer, without what it already had. */
  private held: TrafficRecord[] | undefined;
  /** Bumped by each load and by clear, so an older answer that arrives late is dropped. */
  private generation = 0;
  private active = 0;
  /** The records held may be from an earlier run of the core (ids restart): the next load replaces them. */
  private stale = true;
  private recentBatches: { at: number; shown: number; total: number }[] = [];
  /** The last record before the first one a sampled batch left out: once the burst is over, the rest is fetched from there. */
  private gapAfter: number | undefined;
  private sampleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly invoke: Invoke) {}

  readonly get = (): TrafficState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<TrafficState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  /** The view opened: load what the ring holds (or gained since it was last open); returns the function that closes it. */
  activate(): () => void {
    this.active += 1;
    if (this.active === 1 && !this.state.paused) this.load(this.takeGap());
    return () => {
      this.active -= 1;
      if (this.active > 0) return;
      this.incoming = [];
      this.held = undefined;
      this.recentBatches = [];
      this.setSample(undefined);
    };
  }

  /** The event stream (re)opened: the core may have restarted with a new ring, so what is held is replaced. */
  connected(): void {
    this.stale = true;
    if (this.active > 0 && !this.state.paused) this.load();
  }

  add(batch: TrafficBatch): void {
    if (this.active === 0) return;
    if (this.state.paused) {
      this.set({ newWhilePaused: this.state.newWhilePaused + batch.records.length + batch.skipped });
      return;
    }
    if (batch.skipped > 0 && this.gapAfter === undefined && batch.records.length > 0) this.gapAfter = batch.records[batch.records.length - 1]!.id;
    this.noteSample(batch);
    if (this.held) {
      this.held.push(...batch.records);
      return;
    }
    this.incoming.push(...batch.records);
    // A hidden page gets no animation frames: keep no more than the list could hold once one comes.
    const capacity = this.state.capacity ?? listLimit;
    if (this.incoming.length > capacity) this.incoming = this.incoming.slice(-capacity);
    this.scheduleFrame();
  }

  setFilters(patch: Partial<TrafficFilters>): void {
    const filters = { ...this.state.filters, ...patch };
    this.test = matcher(filters);
    this.set({ filters, shown: this.state.records.filter(this.test) });
  }

  pause(): void {
    if (this.state.paused) return;
    this.flush();
    this.recentBatches = [];
    this.setSample(undefined);
    this.set({ paused: true, newWhilePaused: 0 });
  }

  /** Appends what came while paused, fetched from the ring (a batch may have been a sample; the ring has every record). */
  resume(): void {
    if (!this.state.paused) return;
    this.set({ paused: false, newWhilePaused: 0 });
    this.load(this.takeGap());
  }

  /** Forgets every record, here and in the engine's ring (as HTTP Toolkit's clear does for its view). */
  async clear(): Promise<boolean> {
    const answer = await this.invoke('traffic.clear', {});
    if (!answer.ok) return false;
    this.generation += 1;
    this.gapAfter = undefined;
    this.incoming = [];
    if (this.held) this.held = [];
    this.set({ records: [], shown: [], newWhilePaused: 0, loading: false });
    return true;
  }

  /** Where a fill must start: before the first record a sample left out, if any; consumed. */
  private takeGap(): number | undefined {
    const gap = this.gapAfter;
    this.gapAfter = undefined;
    return gap;
  }

  /**
   * Fetches from the ring what came after `from` (default: the newest held)
   * and puts it in place of what is held after it: a fill after a sample
   * replaces the sampled stretch with every record.
   */
  private load(from = this.lastId): void {
    const generation = ++this.generation;
    const replace = this.stale;
    const after = replace ? 0 : Math.min(from, this.lastId);
    this.held = [...this.incoming];
    this.incoming = [];
    this.set({ loading: true });
    // invoke never rejects: a failure is an answer (shown in the banner).
    void this.invoke('traffic.list', { after, limit: listLimit }).then((answer) => {
      if (generation !== this.generation) return;
      const held = this.held ?? [];
      this.held = undefined;
      if (!answer.ok) {
        this.set({ loading: false });
        return;
      }
      this.stale = false;
      if (after < this.lastId || replace) {
        this.lastId = after;
        this.state = { ...this.state, records: this.state.records.filter((r) => r.id <= after), shown: this.state.shown.filter((r) => r.id <= after) };
      }
      this.set({ capacity: answer.result.capacity, loading: false });
      this.incoming = [...answer.result.records, ...held];
      this.flush();
    });
  }

  private scheduleFrame(): void {
    if (this.frameScheduled) return;
    this.frameScheduled = true;
    nextFrame(() => {
      this.frameScheduled = false;
      this.flush();
    });
  }

  /** Applies the records received since the last frame: new ones appended, the oldest dropped past the capacity. */
  private flush(): void {
    // Ids only grow: one seen already (a batch that overlaps a load's answer) is dropped.
    const fresh: TrafficRecord[] = [];
    for (const record of this.incoming) {
      if (record.id <= this.lastId) continue;
      fresh.push(record);
      this.lastId = record.id;
    }
    this.incoming = [];
    if (fresh.length === 0) return;
    const capacity = this.state.capacity ?? Infinity;
    let records = this.state.records.concat(fresh);
    let shown = this.state.shown.concat(fresh.filter(this.test));
    if (records.length > capacity) {
      records = records.slice(records.length - capacity);
      const oldest = records[0]!.id;
      const firstKept = shown.findIndex((r) => r.id >= oldest);
      shown = firstKept === -1 ? [] : shown.slice(firstKept);
    }
    this.set({ records, shown });
  }

  /** Keeps the last second's batches: when any left records out, the view says it shows a sample and of how many. */
  private noteSample(batch: TrafficBatch): void {
    this.recentBatches.push({ at: Date.now(), shown: batch.records.length, total: batch.records.length + batch.skipped });
    this.updateSample();
  }

  private updateSample(): void {
    const now = Date.now();
    this.recentBatches = this.recentBatches.filter((b) => now - b.at < sampleWindowMs - batchLatenessMs);
    let shown = 0;
    let total = 0;
    for (const b of this.recentBatches) {
      shown += b.shown;
      total += b.total;
    }
    const sample = shown < total ? { shown, total } : undefined;
    this.setSample(sample);
    // The burst is over: fetch every record the sample left out.
    if (!sample && this.gapAfter !== undefined && this.active > 0 && !this.state.paused) this.load(this.takeGap());
  }

  private setSample(sample: TrafficSample | undefined): void {
    clearTimeout(this.sampleTimer);
    this.sampleTimer = undefined;
    // Traffic may stop right after a sample: look again once those batches are a second old.
    if (sample) this.sampleTimer = setTimeout(() => this.updateSample(), sampleWindowMs);
    const before = this.state.sample;
    if (before === sample || (before && sample && before.shown === sample.shown && before.total === sample.total)) return;
    this.set({ sample });
  }
}

/** A part of the traffic state; `select` must return a value held in the state (not a new object), as useSyncExternalStore compares by identity. */
export function useTraffic<T>(store: TrafficStore, select: (state: TrafficState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.get()));
}
