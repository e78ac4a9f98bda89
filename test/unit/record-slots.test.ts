import { describe, expect, it } from 'vitest';
import { RecordRing } from '../../src/main/core/engine/traffic/record-ring';
import { exchangeNote } from '../helpers/exchange-notes';

describe('record slots', () => {
  it('fill past their first allocation and wrap, each record read back whole and in order', () => {
    const capacity = 700;
    const ring = new RecordRing(capacity);
    const total = capacity + 300;
    for (let n = 0; n < total; n++) ring.add(exchangeNote({ path: `/${n}?q=${n}`, status: 200 + (n % 300), ttfbMs: n, totalMs: n + 1 }));
    const kept = ring.list({ after: 0, limit: total });
    expect(kept).toHaveLength(capacity);
    kept.forEach((record, i) => {
      const n = total - capacity + i;
      expect(record).toMatchObject({ id: n + 1, path: `/${n}?…`, status: 200 + (n % 300), ttfbMs: n, totalMs: n + 1, host: 'api.localhost', backend: 'http://127.0.0.1:3001' });
    });
    expect(ring.get(total)).toMatchObject({ path: `/${total - 1}?…`, requestHeaders: [] });
    expect(ring.get(total - capacity)).toBeUndefined();
    expect(ring.clear()).toBe(capacity);
    expect(ring.list({ after: 0, limit: total })).toEqual([]);
  });
});
