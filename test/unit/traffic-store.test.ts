import { afterEach, describe, expect, it } from 'vitest';
import { RecordRing, maxBatchRecords } from '../../src/main/core/engine/traffic/record-ring';
import { exchangeNote, type NoteFields } from '../helpers/exchange-notes';
import type { Invoke } from '../../src/renderer/src/api-context';
import { TrafficStore } from '../../src/renderer/src/traffic-store';
import type { TrafficRecord } from '../../src/shared/traffic';

// The Traffic view's store against the engine's real RecordRing: its batches
// (a sample past 200 per 250 ms) feed the store as `traffic.added` does, and
// `traffic.list` / `traffic.clear` answer from the same ring, so pause,
// resume and the sample notice are checked against what the engine really
// sends, not against hand-made batches.

const frameMs = 40;
const batchMs = 300;

function record(ring: RecordRing, status = 200, fields: NoteFields = {}): TrafficRecord {
  ring.add(exchangeNote({ status, ...fields }));
  return ring.list({ after: 0, limit: 1 })[0]!;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Traffic view store', () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  /** A store fed by a ring of `capacity`, the view open. */
  async function setUp(capacity: number) {
    const ring = new RecordRing(capacity);
    // The commands as the core's handlers answer them, from the same ring (asynchronously, like the transport).
    const answer = (name: string, input: { after?: number; limit?: number }) => {
      if (name === 'traffic.list') return { ok: true, result: { records: ring.list({ after: input.after ?? 0, limit: input.limit ?? 1000 }), capacity: ring.capacity } };
      if (name === 'traffic.clear') return { ok: true, result: { cleared: ring.clear() } };
      throw new Error(`unexpected ${name}`);
    };
    const invoke = ((name: string, input: { after?: number; limit?: number }) => Promise.resolve().then(() => answer(name, input))) as Invoke;
    const store = new TrafficStore(invoke);
    stops.push(ring.subscribe((batch) => store.add(batch)));
    stops.push(store.activate());
    await wait(frameMs);
    return { ring, store };
  }

  it('loads what the ring holds on opening, then appends batches, filtered as they come', async () => {
    const { ring, store } = await setUp(100);
    expect(store.get().capacity).toBe(100);
    record(ring, 200);
    record(ring, 404, { path: '/missing' });
    await wait(batchMs + frameMs);
    expect(store.get().records.map((r) => r.status)).toEqual([200, 404]);

    store.setFilters({ statusClass: '4xx' });
    expect(store.get().shown.map((r) => r.path)).toEqual(['/missing']);
    record(ring, 503);
    record(ring, 418, { path: '/teapot' });
    await wait(batchMs + frameMs);
    expect(store.get().shown.map((r) => r.path)).toEqual(['/missing', '/teapot']);

    store.setFilters({ statusClass: undefined, failedOnly: true });
    expect(store.get().shown.map((r) => r.status)).toEqual([503]);
    store.setFilters({ failedOnly: false, text: 'TEAPOT' });
    expect(store.get().shown.map((r) => r.status)).toEqual([418]);
  });

  it('keeps at most the ring’s capacity, dropping the oldest from the list and the filtered list', async () => {
    const { ring, store } = await setUp(5);
    store.setFilters({ statusClass: '5xx' });
    const made = [200, 500, 200, 500, 200, 200, 500, 200].map((s) => record(ring, s));
    await wait(batchMs + frameMs);
    expect(store.get().records.map((r) => r.id)).toEqual(made.slice(-5).map((r) => r.id));
    // The 500 at index 1 left with the oldest records; those at 3 and 6 stay.
    expect(store.get().shown.map((r) => r.id)).toEqual([made[3]!.id, made[6]!.id]);
  });

  it('says when a batch was a sample, and pause then resume brings every record the ring holds', async () => {
    const { ring, store } = await setUp(2_000);
    const burst = maxBatchRecords + 50;
    for (let i = 0; i < burst; i++) record(ring);
    await wait(batchMs + frameMs);
    expect(store.get().sample).toEqual({ shown: maxBatchRecords, total: burst });
    expect(store.get().records).toHaveLength(maxBatchRecords);

    store.pause();
    expect(store.get().sample).toBeUndefined();
    for (let i = 0; i < burst; i++) record(ring);
    await wait(batchMs + frameMs);
    expect(store.get().newWhilePaused).toBe(burst);
    expect(store.get().records).toHaveLength(maxBatchRecords);

    store.resume();
    await wait(frameMs);
    // Everything after the last record held comes from the ring: what came while paused, and what the sample
    // before the pause left out. No gap, no repeat.
    expect(store.get().records.map((r) => r.id)).toEqual(ring.list({ after: 0, limit: 10_000 }).map((r) => r.id));
    expect(store.get().records).toHaveLength(2 * burst);
    expect(store.get().newWhilePaused).toBe(0);
  });

  it('once a second passes without skipped records, drops the sample notice and fills in what the sample left out', async () => {
    const { ring, store } = await setUp(1_000);
    for (let i = 0; i < maxBatchRecords + 1; i++) record(ring);
    await wait(batchMs);
    expect(store.get().sample).toBeDefined();
    expect(store.get().records).toHaveLength(maxBatchRecords);
    await wait(1_100);
    expect(store.get().sample).toBeUndefined();
    expect(store.get().records.map((r) => r.id)).toEqual(ring.list({ after: 0, limit: 10_000 }).map((r) => r.id));
  });

  it('clear empties the view and the ring; later records still arrive', async () => {
    const { ring, store } = await setUp(100);
    record(ring);
    await wait(batchMs + frameMs);
    expect(await store.clear()).toBe(true);
    expect(store.get().records).toEqual([]);
    expect(ring.list({ after: 0, limit: 100 })).toEqual([]);
    const later = record(ring);
    await wait(batchMs + frameMs);
    expect(store.get().records.map((r) => r.id)).toEqual([later.id]);
  });
});
