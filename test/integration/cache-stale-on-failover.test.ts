import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { must, withCore } from '../helpers/core';
import { cachedRoute, expectCacheStatus } from '../helpers/cache';

// Stale on failover: with every backend down, a stale stored response
// stands in where stale-if-error (RFC 5861) or the route's
// serveStaleWhenDown allows, and Cache-Status says so; never against
// must-revalidate (RFC 9111 §4.2.4).

describe('HTTP cache: stale on failover', () => {
  let core: Core;
  withCore((c) => (core = c));
  const backends: TestBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  /** A route whose backend's answers are stale at once (max-age=0, revalidatable), with `cacheControl` added. */
  async function staleRoute(host: string, cacheControl: string, settings: Record<string, unknown> = {}) {
    const route = await cachedRoute(
      core,
      host,
      (_req, res) => {
        res.writeHead(200, { 'cache-control': `max-age=0, ${cacheControl}`, etag: '"1"', 'content-type': 'text/plain' });
        res.end('last good answer');
      },
      settings,
    );
    backends.push(route.backend);
    await route.get('/page');
    return route;
  }

  it('stale-if-error: every attempt refused, the stored answer is served and says all backends down', async () => {
    const { backend, get } = await staleRoute('sie.localhost', 'stale-if-error=600');
    await backend.close();
    const answer = await get('/page');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('last good answer');
    expectCacheStatus(answer, /^Switchyard; fwd=stale; ttl=-?\d+; detail="all backends down"$/);
    expect(answer.headers.warning).toBeUndefined();
    const record = (await must(core.run('traffic.list', {}))).records.filter((r) => r.host === 'sie.localhost').at(-1)!;
    expect(record).toMatchObject({ status: 200, cache: 'stale', flags: ['UF'] });
  });

  it('the same with the backend switched off (no candidate at all)', async () => {
    const { get, routeId } = await staleRoute('off-sie.localhost', 'stale-if-error=600');
    const route = (await must(core.run('routes.list', {}))).find((r) => r.id === routeId)!;
    await must(core.run('backends.setEnabled', { id: route.backends[0]!.id, enabled: false }));
    const answer = await get('/page');
    expect(answer.body).toBe('last good answer');
    expectCacheStatus(answer, /^Switchyard; fwd=stale; ttl=-?\d+; detail="all backends down"$/);
  });

  it('without stale-if-error only the route switch allows it', async () => {
    const plain = await staleRoute('nosie.localhost', 'public');
    await plain.backend.close();
    const refused = await plain.get('/page');
    expect(refused.status).toBe(502);
    expectCacheStatus(refused, /detail="all backends down; the stored response has no stale-if-error and serveStaleWhenDown is off"$/);

    const switched = await staleRoute('switch.localhost', 'public', { serveStaleWhenDown: true });
    await switched.backend.close();
    const served = await switched.get('/page');
    expect(served.status).toBe(200);
    expectCacheStatus(served, /^Switchyard; fwd=stale; ttl=-?\d+; detail="all backends down"$/);
  });

  it('must-revalidate forbids it even with the switch on, and says so', async () => {
    const { backend, get } = await staleRoute('mr.localhost', 'must-revalidate, stale-if-error=600', { serveStaleWhenDown: true });
    await backend.close();
    const answer = await get('/page');
    expect(answer.status).toBe(502);
    expectCacheStatus(answer, /detail="all backends down; the stored response has must-revalidate, so it is not served stale"$/);
  });

  it('a backend answering 503 gets the stale answer in its place where stale-if-error allows', async () => {
    let failing = false;
    const { backend, get } = await cachedRoute(core, 'err.localhost', (_req, res) => {
      if (failing) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('overloaded');
      }
      res.writeHead(200, { 'cache-control': 'max-age=0, stale-if-error=600', etag: '"1"' });
      res.end('good');
    });
    backends.push(backend);
    await get('/x');
    failing = true;
    const answer = await get('/x');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('good');
    expectCacheStatus(answer, /^Switchyard; fwd=stale; fwd-status=503; ttl=-?\d+; detail="stale-if-error: the backend answered 503"$/);
    // The backend's connection is left in a good state: the next request is answered too.
    expect((await get('/x')).body).toBe('good');
  });
});
