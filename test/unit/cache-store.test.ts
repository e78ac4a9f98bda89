import { describe, expect, it } from 'vitest';
import { CacheStore, entrySize, type CacheEntry } from '../../src/main/core/engine/cache/cache-store';
import { defaultRouteSettings } from '../../src/shared/model';

function entry(key: string, bytes: number, change: Partial<CacheEntry> = {}): CacheEntry {
  const headers = ['Content-Type', 'text/plain'];
  const body = Buffer.alloc(bytes);
  return {
    routeId: 1,
    key,
    scheme: 'http',
    status: 200,
    reason: 'OK',
    headers,
    body,
    varyNames: [],
    varyValues: [],
    directives: new Map(),
    lifetimeSeconds: 60,
    times: { requestTimeMs: 0, responseTimeMs: 0, dateSeconds: undefined, ageSeconds: 0 },
    etag: undefined,
    lastModified: undefined,
    size: entrySize(headers, body),
    ...change,
  };
}

describe('CacheStore', () => {
  it('evicts the least recently used URL past its size cap, counting per route', () => {
    const one = entrySize(['Content-Type', 'text/plain'], Buffer.alloc(1000));
    const store = new CacheStore(one * 3, 8 << 20);
    store.put(entry('a.localhost/1', 1000));
    store.put(entry('a.localhost/2', 1000));
    store.put(entry('a.localhost/3', 1000, { routeId: 2 }));
    // /1 used again: /2 is now the oldest.
    expect(store.variants('a.localhost/1')).toHaveLength(1);
    store.put(entry('a.localhost/4', 1000));
    expect(store.variants('a.localhost/2')).toBeUndefined();
    expect(store.variants('a.localhost/1')).toHaveLength(1);
    expect(store.totalBytes).toBe(one * 3);
    expect(store.usageOf(1)).toEqual({ entries: 2, bytes: one * 2 });
    expect(store.usageOf(2)).toEqual({ entries: 1, bytes: one });
  });

  it('keeps one entry per scheme and Vary values, replacing a refetched one', () => {
    const store = new CacheStore();
    store.put(entry('a.localhost/x', 10, { varyNames: ['accept-encoding'], varyValues: ['gzip'] }));
    store.put(entry('a.localhost/x', 10, { varyNames: ['accept-encoding'], varyValues: ['br'] }));
    store.put(entry('a.localhost/x', 20, { varyNames: ['accept-encoding'], varyValues: ['gzip'] }));
    store.put(entry('a.localhost/x', 10, { scheme: 'https', varyNames: ['accept-encoding'], varyValues: ['gzip'] }));
    expect(store.variants('a.localhost/x')!.map((e) => `${e.scheme} ${e.varyValues[0]} ${e.body.length}`)).toEqual(['http br 10', 'http gzip 20', 'https gzip 10']);
    expect(store.invalidate('a.localhost/x')).toBe(3);
    expect(store.totalBytes).toBe(0);
    expect(store.usageOf(1)).toEqual({ entries: 0, bytes: 0 });
  });

  it('purges what a filter picks', () => {
    const store = new CacheStore();
    store.put(entry('a.localhost/api/1', 10));
    store.put(entry('a.localhost/api/2', 10));
    store.put(entry('a.localhost/static/x', 10));
    expect(store.purge((e) => e.key.startsWith('a.localhost/api/')).entries).toBe(2);
    expect(store.variants('a.localhost/static/x')).toHaveLength(1);
  });

  it('the route settings have the cache off by default', () => {
    expect(defaultRouteSettings.cache).toBe(false);
    expect(defaultRouteSettings.serveStaleWhenDown).toBe(false);
  });
});
