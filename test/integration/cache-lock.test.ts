import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { withCore } from '../helpers/core';
import { cachedRoute } from '../helpers/cache';

// Concurrent misses for one URL make one backend request (nginx's
// proxy_cache_lock); the others wait and are answered from what it stored.

const concurrent = 10;
const answerDelayMs = 300;

describe('HTTP cache: one backend request for concurrent misses', () => {
  let core: Core;
  withCore((c) => (core = c));
  const backends: TestBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  it('ten clients at once, one backend request; the waiters say collapsed', async () => {
    const { backend, get } = await cachedRoute(core, 'lock.localhost', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'cache-control': 'max-age=60' });
        res.end('slow answer');
      }, answerDelayMs);
    });
    backends.push(backend);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: concurrent }, () => get('/slow')));
    expect(backend.requests).toHaveLength(1);
    // Woken when the answer is stored, not at the 5 s lock timeout.
    expect(Date.now() - started).toBeLessThan(answerDelayMs * 4);
    expect(answers.map((a) => a.body)).toEqual(Array(concurrent).fill('slow answer'));
    const statuses = answers.map((a) => a.headers['cache-status']);
    expect(statuses.filter((s) => s === 'Switchyard; fwd=uri-miss; fwd-status=200; stored')).toHaveLength(1);
    expect(statuses.filter((s) => /^Switchyard; hit; collapsed; ttl=/.test(String(s)))).toHaveLength(concurrent - 1);
  });

  it('when the answer cannot be stored, the waiters go to the backend themselves, at once', async () => {
    const { backend, get } = await cachedRoute(core, 'nolock.localhost', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'cache-control': 'no-store' });
        res.end('private');
      }, answerDelayMs);
    });
    backends.push(backend);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: concurrent }, () => get('/p')));
    expect(backend.requests).toHaveLength(concurrent);
    expect(answers.every((a) => a.body === 'private')).toBe(true);
    // The leader's head let them all go together: two answer delays, not ten.
    expect(Date.now() - started).toBeLessThan(answerDelayMs * 4);
  });

  it('a fill cut mid-body stores nothing, and a waiter then makes its own request', async () => {
    let n = 0;
    const { backend, get } = await cachedRoute(core, 'cut.localhost', (_req, res) => {
      n += 1;
      if (n === 1) {
        res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': '100' });
        res.write('only part');
        setTimeout(() => res.destroy(), answerDelayMs);
        return;
      }
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end('whole');
    });
    backends.push(backend);
    const [cut, waiter] = await Promise.allSettled([get('/c'), new Promise((r) => setTimeout(r, 50)).then(() => get('/c'))]);
    expect(cut.status).toBe('rejected');
    expect(waiter.status === 'fulfilled' && waiter.value.body).toBe('whole');
    expect(backend.requests).toHaveLength(2);
    expect((await get('/c')).headers['cache-status']).toMatch(/^Switchyard; hit/);
  });
});
