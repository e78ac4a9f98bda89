import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { withCore } from '../helpers/core';
import { cachedRoute, expectCacheStatus } from '../helpers/cache';

// A stale entry is revalidated with its own validators (RFC 9111 §4.3): a
// 304 refreshes it and the client gets the stored body; a 200 replaces it.

describe('HTTP cache: revalidation', () => {
  let core: Core;
  withCore((c) => (core = c));
  const backends: TestBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  it('asks with If-None-Match, and a 304 refreshes the entry and answers with the stored body', async () => {
    const version = 'v1';
    let maxAge = 0;
    const { backend, get } = await cachedRoute(core, 'etag.localhost', (req, res) => {
      const etag = `"${version}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag, 'cache-control': `max-age=${maxAge}`, 'x-refreshed': 'yes', 'set-cookie': 'session=one-client' });
        return res.end();
      }
      res.writeHead(200, { etag, 'cache-control': `max-age=${maxAge}`, 'content-type': 'text/plain' });
      res.end(`content ${version}`);
    });
    backends.push(backend);
    expectCacheStatus(await get('/doc'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    // Stale at once (max-age=0): the next request revalidates; the client's own conditional is not forwarded.
    maxAge = 60;
    const revalidated = await get('/doc', { 'if-none-match': '"something-else"' });
    expect(revalidated.status).toBe(200);
    expect(revalidated.body).toBe('content v1');
    expect(revalidated.headers['x-refreshed']).toBe('yes');
    expectCacheStatus(revalidated, /^Switchyard; fwd=stale; fwd-status=304; ttl=(59|60)$/);
    expect(backend.requests[1]!.headers['if-none-match']).toBe('"v1"');
    // Refreshed with the 304's max-age=60: a hit now, without the Set-Cookie the 304 carried for one client.
    const hit = await get('/doc');
    expectCacheStatus(hit, /^Switchyard; hit; ttl=/);
    expect(hit.headers['set-cookie']).toBeUndefined();
    expect(backend.requests).toHaveLength(2);
    // The client's own matching validator gets a 304 from the cache.
    const conditional = await get('/doc', { 'if-none-match': 'W/"v1"' });
    expect(conditional.status).toBe(304);
    expect(conditional.body).toBe('');
    expect(backend.requests).toHaveLength(2);
  });

  it('asks with If-Modified-Since; a new 200 replaces what was stored', async () => {
    const modified = new Date(Date.now() - 60_000).toUTCString();
    let body = 'old';
    const { backend, get } = await cachedRoute(core, 'lm.localhost', (req, res) => {
      if (body === 'old' && req.headers['if-modified-since'] === modified) {
        res.writeHead(304);
        return res.end();
      }
      res.writeHead(200, { 'last-modified': modified, 'cache-control': 'no-cache' });
      res.end(body);
    });
    backends.push(backend);
    await get('/f');
    const notModified = await get('/f');
    expect(notModified.body).toBe('old');
    expectCacheStatus(notModified, /^Switchyard; fwd=stale; fwd-status=304/);
    expect(backend.requests[1]!.headers['if-modified-since']).toBe(modified);
    body = 'new';
    const changed = await get('/f');
    expect(changed.body).toBe('new');
    expectCacheStatus(changed, 'Switchyard; fwd=stale; fwd-status=200; stored; detail="response has Cache-Control: no-cache, so every use is revalidated"');
    // no-cache: revalidated every time; the entry now holds the new body, which a 304 confirms.
    body = 'old';
    expect((await get('/f')).body).toBe('new');
    expect(backend.requests).toHaveLength(4);
  });

  it('stale-while-revalidate answers at once from the store and refreshes it in the background', async () => {
    let n = 0;
    const { backend, get } = await cachedRoute(core, 'swr.localhost', (_req, res) => {
      n += 1;
      // The first answer is already 5 s past its max-age of 5.
      res.writeHead(200, { 'cache-control': 'max-age=5, stale-while-revalidate=60', age: n === 1 ? '10' : '0' });
      res.end(`answer ${n}`);
    });
    backends.push(backend);
    await get('/s');
    const stale = await get('/s');
    expect(stale.body).toBe('answer 1');
    expectCacheStatus(stale, /^Switchyard; hit; ttl=-[56]; detail="stale-while-revalidate"$/);
    const deadline = Date.now() + 2_000;
    while (backend.requests.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Let the background fill finish storing.
    await new Promise((r) => setTimeout(r, 50));
    const fresh = await get('/s');
    expect(fresh.body).toBe('answer 2');
    expectCacheStatus(fresh, /^Switchyard; hit; ttl=[345]$/);
    expect(backend.requests).toHaveLength(2);
  });
});
