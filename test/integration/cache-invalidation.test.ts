import { afterAll, describe, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { withCore } from '../helpers/core';
import { cachedRoute, expectCacheStatus } from '../helpers/cache';

// RFC 9111 §4.4: a non-error answer to an unsafe method invalidates the
// URL, and the Location and Content-Location it names on the same host.

describe('HTTP cache: invalidation by unsafe methods', () => {
  let core: Core;
  withCore((c) => (core = c));
  const backends: TestBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  it('POST, PUT, DELETE and PATCH invalidate; a failed one and GET-like methods do not', async () => {
    const { backend, get } = await cachedRoute(core, 'inv.localhost', (req, res) => {
      req.resume();
      if (req.method === 'GET') {
        res.writeHead(200, { 'cache-control': 'max-age=60' });
        return res.end(`${req.url} at ${Date.now()}`);
      }
      const failing = req.headers['x-fail'] === '1';
      res.writeHead(failing ? 500 : 200, req.headers['x-location'] ? { location: String(req.headers['x-location']), 'content-location': String(req.headers['x-content-location'] ?? '') } : {});
      res.end('done');
    });
    backends.push(backend);
    const stored = async (path: string) => {
      await get(path);
      expectCacheStatus(await get(path), /^Switchyard; hit/);
    };
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      await stored('/items');
      const answer = await get('/items', {}, method);
      expectCacheStatus(answer, 'Switchyard; fwd=method; fwd-status=200');
      expectCacheStatus(await get('/items'), /^Switchyard; fwd=uri-miss/);
    }
    await stored('/items');
    await get('/items', { 'x-fail': '1' }, 'POST');
    expectCacheStatus(await get('/items'), /^Switchyard; hit/);
    await get('/items', {}, 'OPTIONS');
    expectCacheStatus(await get('/items'), /^Switchyard; hit/);
  });

  it('Location and Content-Location on the same host are invalidated, another host is not', async () => {
    const { backend, get } = await cachedRoute(core, 'loc.localhost', (req, res) => {
      req.resume();
      if (req.method === 'GET') {
        res.writeHead(200, { 'cache-control': 'max-age=60' });
        return res.end('x');
      }
      res.writeHead(201, { location: '/items/7', 'content-location': 'http://elsewhere.localhost/items/8' });
      res.end();
    });
    backends.push(backend);
    for (const path of ['/items/7', '/items/8']) await get(path);
    await get('/items', {}, 'POST');
    expectCacheStatus(await get('/items/7'), /^Switchyard; fwd=uri-miss/);
    expectCacheStatus(await get('/items/8'), /^Switchyard; hit/);
  });
});
