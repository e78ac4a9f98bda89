import { describe, expect, it } from 'vitest';
import { cacheStatus } from '../../src/main/core/engine/cache/cache-status';
import { cacheSentence, parseCacheStatus } from '../../src/renderer/src/cache-wording';

// The Cache panel and the Traffic trace read back the Cache-Status the core
// writes (cache-status.ts): built here with the core's own writer, so the
// two cannot drift apart.

describe('cache wording', () => {
  it('reads back every parameter the core writes, a detail with quotes, backslashes and semicolons included', () => {
    const detail = 'not stored: "odd"; path \\ here';
    expect(parseCacheStatus(cacheStatus({ fwd: 'uri-miss', fwdStatus: 200, stored: true, collapsed: true, ttl: 59.9, detail }))).toEqual({
      hit: false,
      fwd: 'uri-miss',
      fwdStatus: 200,
      stored: true,
      collapsed: true,
      ttl: 59,
      detail,
    });
  });

  it('says what the cache did and why, in one sentence', () => {
    expect(cacheSentence(cacheStatus({ hit: true, ttl: 59 }))).toBe('Hit: answered from the cache, fresh for 59 s more.');
    expect(cacheSentence(cacheStatus({ fwd: 'uri-miss', fwdStatus: 200, stored: true }))).toBe('Miss: not in the cache; fetched from the backend and stored.');
    expect(cacheSentence(cacheStatus({ fwd: 'uri-miss', fwdStatus: 200, detail: 'not stored: response has Set-Cookie and no s-maxage' }))).toBe(
      'Miss: not in the cache; not stored: response has Set-Cookie and no s-maxage.',
    );
    expect(cacheSentence(cacheStatus({ fwd: 'stale', detail: 'all backends down' }))).toBe('Stale: the stored copy was stale; all backends down.');
    expect(cacheSentence(cacheStatus({ fwd: 'bypass', detail: 'rate limited before the cache' }))).toBe('Bypassed: the cache was not asked; rate limited before the cache.');
  });
});
