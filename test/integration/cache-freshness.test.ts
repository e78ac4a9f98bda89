import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { must, proxyPort, request, withCore } from '../helpers/core';
import { cachedRoute, expectCacheStatus } from '../helpers/cache';

// Freshness and storability through the real listener: a counting backend
// proves a hit never reaches it, and Cache-Status says why each miss was one.

describe('HTTP cache: freshness', () => {
  let core: Core;
  withCore((c) => (core = c));
  const backends: TestBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  it('stores a response with max-age and answers from it without the backend, with Age and a ttl', async () => {
    const { backend, get } = await cachedRoute(core, 'fresh.localhost', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
      res.end(`body of ${req.url}`);
    });
    backends.push(backend);
    const first = await get('/a?x=1');
    expectCacheStatus(first, 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    for (let i = 0; i < 3; i++) {
      const hit = await get('/a?x=1');
      expect(hit.body).toBe('body of /a?x=1');
      expectCacheStatus(hit, /^Switchyard; hit; ttl=(59|60)$/);
      expect(hit.headers.age).toMatch(/^[01]$/);
      expect(hit.headers['content-length']).toBe(String('body of /a?x=1'.length));
    }
    expect(backend.requests).toHaveLength(1);
    // Another query is another URL.
    expectCacheStatus(await get('/a?x=2'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(backend.requests).toHaveLength(2);
    // HEAD is answered from the stored GET, with its length and no body.
    const head = await get('/a?x=1', {}, 'HEAD');
    expectCacheStatus(head, /^Switchyard; hit/);
    expect(head.headers['content-length']).toBe(String('body of /a?x=1'.length));
    expect(head.body).toBe('');
    expect(backend.requests).toHaveLength(2);

    const records = (await must(core.run('traffic.list', {}))).records.filter((r) => r.host === 'fresh.localhost');
    expect(records.map((r) => r.cache)).toEqual(['miss', 'hit', 'hit', 'hit', 'miss', 'hit']);
    expect(records[1]!.cacheStatus).toMatch(/^Switchyard; hit/);
    expect(records[1]!.backend).toBeNull();
  });

  it('a miss streams to the client while it is stored', async () => {
    let finish: (() => void) | undefined;
    const { backend } = await cachedRoute(core, 'stream.localhost', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' });
      res.write('first part, ');
      finish = () => res.end('second part');
    });
    backends.push(backend);
    const firstBytes = await new Promise<{ first: string; rest: Promise<string> }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: proxyPort(core), path: '/s', headers: { host: 'stream.localhost' }, agent: false }, (res) => {
          let body = '';
          const rest = new Promise<string>((done) => res.on('end', () => done(body)));
          res.once('data', (chunk: Buffer) => {
            body += chunk.toString();
            res.on('data', (more: Buffer) => (body += more.toString()));
            // The backend has not finished: the client already has the first part.
            resolve({ first: body, rest });
          });
        })
        .on('error', reject);
    });
    expect(firstBytes.first).toBe('first part, ');
    finish!();
    expect(await firstBytes.rest).toBe('first part, second part');
    const hit = await request(proxyPort(core), 'stream.localhost', '/s');
    expect(hit.body).toBe('first part, second part');
    expectCacheStatus(hit, /^Switchyard; hit/);
    expect(backend.requests).toHaveLength(1);
  });

  it('says in Cache-Status why a response was not stored, and sends each request to the backend', async () => {
    const answers: Record<string, Record<string, string>> = {
      '/no-store': { 'cache-control': 'no-store, max-age=60' },
      '/private': { 'cache-control': 'private, max-age=60' },
      '/cookie': { 'cache-control': 'max-age=60', 'set-cookie': 'session=1' },
      '/nothing': {},
      '/redirect': { location: '/x', 'last-modified': new Date(Date.now() - 3_600_000).toUTCString() },
    };
    const { backend, get } = await cachedRoute(core, 'notstored.localhost', (req, res) => {
      res.writeHead(req.url === '/redirect' ? 302 : 200, answers[req.url!]);
      res.end('x');
    });
    backends.push(backend);
    const details = {
      '/no-store': 'not stored: response has Cache-Control: no-store',
      '/private': 'not stored: response has Cache-Control: private',
      '/cookie': 'not stored: response has Set-Cookie and no s-maxage',
      '/nothing': 'not stored: response has no max-age, s-maxage, Expires, Last-Modified or ETag',
      '/redirect': 'not stored: status 302 is stored only with max-age, s-maxage, Expires or public',
    };
    for (const [path, detail] of Object.entries(details)) {
      for (let i = 0; i < 2; i++) {
        const res = await get(path);
        expectCacheStatus(res, `Switchyard; fwd=uri-miss; fwd-status=${path === '/redirect' ? 302 : 200}; detail="${detail}"`);
      }
    }
    expect(backend.requests).toHaveLength(10);
  });

  it('a request with Authorization is stored only when the response allows it (RFC 9111 §3.5)', async () => {
    const { backend, get } = await cachedRoute(core, 'auth.localhost', (req, res) => {
      res.writeHead(200, { 'cache-control': req.url === '/public' ? 'public, max-age=60' : 'max-age=60' });
      res.end('secret');
    });
    backends.push(backend);
    const auth = { authorization: 'Bearer t' };
    expectCacheStatus(await get('/plain', auth), /detail="not stored: the request has Authorization/);
    expectCacheStatus(await get('/plain', auth), /^Switchyard; fwd=uri-miss/);
    expectCacheStatus(await get('/public', auth), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expectCacheStatus(await get('/public', auth), /^Switchyard; hit/);
    expect(backend.requests).toHaveLength(3);
  });

  it('a response already older than its max-age (Age) is stale at once; a request with no-cache or max-age=0 goes to the backend', async () => {
    const { backend, get } = await cachedRoute(core, 'age.localhost', (req, res) => {
      res.writeHead(200, req.url === '/old' ? { 'cache-control': 'max-age=60', age: '100', etag: '"e"' } : { 'cache-control': 'max-age=60' });
      res.end('ok');
    });
    backends.push(backend);
    await get('/old');
    expectCacheStatus(await get('/old'), /^Switchyard; fwd=stale; fwd-status=200; stored; detail="stale for 4\d s"$/);
    await get('/new');
    expectCacheStatus(await get('/new', { 'cache-control': 'no-cache' }), 'Switchyard; fwd=request; fwd-status=200; stored; detail="the request has Cache-Control: no-cache"');
    expectCacheStatus(await get('/new', { 'cache-control': 'max-age=0' }), /^Switchyard; fwd=request; fwd-status=200; stored/);
    expectCacheStatus(await get('/new'), /^Switchyard; hit/);
    expect(backend.requests).toHaveLength(5);
  });

  it("Switchyard's own answers on a cached route carry Cache-Status too", async () => {
    const { backend, get, routeId } = await cachedRoute(
      core,
      'own.localhost',
      (_req, res) => {
        res.writeHead(200, { 'cache-control': 'max-age=60' });
        res.end('x');
      },
      { rateLimitRps: 1, rateLimitBurst: 1 },
    );
    backends.push(backend);
    await get('/');
    const limited = await get('/');
    expect(limited.status).toBe(429);
    expectCacheStatus(limited, 'Switchyard; fwd=bypass; detail="rate limited before the cache"');
    await must(core.run('routes.update', { id: routeId, settings: { rateLimitRps: 0 } }));
    const route = (await must(core.run('routes.list', {}))).find((r) => r.id === routeId)!;
    await must(core.run('backends.setEnabled', { id: route.backends[0]!.id, enabled: false }));
    const down = await get('/other');
    expect(down.status).toBe(503);
    expectCacheStatus(down, 'Switchyard; fwd=uri-miss; detail="all backends down; nothing stored for this URL to serve instead"');
    const records = (await must(core.run('traffic.list', {}))).records.filter((r) => r.host === 'own.localhost');
    expect(records.map((r) => [r.status, r.cache])).toEqual([
      [200, 'miss'],
      [429, 'bypass'],
      [503, 'miss'],
    ]);
  });

  it('a route with the cache off sends no Cache-Status and stores nothing', async () => {
    const { backend, get } = await cachedRoute(
      core,
      'off.localhost',
      (_req, res) => {
        res.writeHead(200, { 'cache-control': 'max-age=60' });
        res.end('x');
      },
      { cache: false },
    );
    backends.push(backend);
    expect((await get('/')).headers['cache-status']).toBeUndefined();
    await get('/');
    expect(backend.requests).toHaveLength(2);
  });
});
