import { describe, expect, it } from 'vitest';
import { HeadArena } from '../../src/main/core/engine/traffic/head-arena';
import { RecordRing } from '../../src/main/core/engine/traffic/record-ring';
import { exchangeNote } from '../helpers/exchange-notes';

describe('head arena', () => {
  it('gives back what was written until newer heads write over it', () => {
    const arena = new HeadArena(256);
    const first = arena.write('GET / HTTP/1.1');
    expect(arena.read(first, 14)).toBe('GET / HTTP/1.1');
    let last = 0;
    for (let n = 10; n < 30; n++) last = arena.write(`GET /${n} HTTP/1.1`);
    expect(arena.read(first, 14)).toBeUndefined();
    expect(arena.read(last, 16)).toBe('GET /29 HTTP/1.1');
  });

  it('never splits a head at the end of the buffer, and keeps none larger than its share', () => {
    const arena = new HeadArena(256);
    for (let i = 0; i < 100; i++) {
      const head = `h${i}:${'v'.repeat(i % 9)}`;
      expect(arena.read(arena.write(head), head.length)).toBe(head);
    }
    expect(arena.write('z'.repeat(17))).toBe(-1);
  });
});

describe('record ring heads', () => {
  it('a record outlives its headers when newer heads were large: listed as before, its trace has none', () => {
    const capacity = 64;
    const ring = new RecordRing(capacity);
    const base = exchangeNote();
    // 1 KB heads, twice the average a record's share of the arena allows for.
    const head = (n: number) => `GET /${n} HTTP/1.1\r\nHost: api.localhost\r\nX-Pad: ${'p'.repeat(1000)}`;
    for (let n = 0; n < capacity; n++) ring.add({ ...base, req: { ...base.req, url: `/${n}`, keptHeaders: head(n) } });
    const kept = ring.list({ after: 0, limit: capacity });
    expect(kept.map((r) => r.path)).toEqual(Array.from({ length: capacity }, (_, n) => `/${n}`));
    expect(ring.get(kept[0]!.id)!.requestHeaders).toEqual([]);
    expect(ring.get(kept.at(-1)!.id)!.requestHeaders.slice(0, 2)).toEqual(['Host', 'api.localhost']);
  });

  it('a smaller ring keeps the newest records that fit, in order; a larger one keeps them all and grows', () => {
    const ring = new RecordRing(8);
    for (let n = 0; n < 11; n++) ring.add(exchangeNote({ path: `/${n}` }));
    ring.resize(3);
    expect(ring.list({ after: 0, limit: 10 }).map((r) => r.path)).toEqual(['/8', '/9', '/10']);
    ring.resize(5);
    ring.add(exchangeNote({ path: '/11' }));
    expect(ring.list({ after: 0, limit: 10 }).map((r) => r.path)).toEqual(['/8', '/9', '/10', '/11']);
    expect(ring.list({ after: 0, limit: 2 }).map((r) => r.path)).toEqual(['/10', '/11']);
  });
});
