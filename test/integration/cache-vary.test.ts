import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { withCore } from '../helpers/core';
import { cachedRoute, expectCacheStatus } from '../helpers/cache';

// Vary (RFC 9111 §4.1): one URL, one stored response per value of the
// headers it varies on; `Vary: *` is never stored.

describe('HTTP cache: Vary', () => {
  let core: Core;
  withCore((c) => (core = c));
  const backends: TestBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  it('keeps a response per Accept-Language and says vary-miss for a new one', async () => {
    const { backend, get } = await cachedRoute(core, 'vary.localhost', (req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', vary: 'Accept-Language' });
      res.end(`hello in ${req.headers['accept-language'] ?? 'nothing'}`);
    });
    backends.push(backend);
    expectCacheStatus(await get('/', { 'accept-language': 'en' }), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    const fr = await get('/', { 'accept-language': 'fr' });
    expectCacheStatus(fr, 'Switchyard; fwd=vary-miss; fwd-status=200; stored');
    expect(fr.body).toBe('hello in fr');
    const none = await get('/');
    expectCacheStatus(none, 'Switchyard; fwd=vary-miss; fwd-status=200; stored');
    expect(none.body).toBe('hello in nothing');
    for (const [language, body] of [['en', 'hello in en'], ['fr', 'hello in fr'], [undefined, 'hello in nothing']] as const) {
      const hit = await get('/', language ? { 'accept-language': language } : {});
      expectCacheStatus(hit, /^Switchyard; hit/);
      expect(hit.body).toBe(body);
    }
    expect(backend.requests).toHaveLength(3);
  });

  it('Vary: * is not stored', async () => {
    const { backend, get } = await cachedRoute(core, 'star.localhost', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', vary: '*' });
      res.end('x');
    });
    backends.push(backend);
    expectCacheStatus(await get('/'), 'Switchyard; fwd=uri-miss; fwd-status=200; detail="not stored: response has Vary: *, which no later request can match"');
    await get('/');
    expect(backend.requests).toHaveLength(2);
  });

  it('with compression on, gzip and identity are stored apart (the Vary: Accept-Encoding compression adds)', async () => {
    const text = 'compressible text '.repeat(200);
    const { backend, get } = await cachedRoute(
      core,
      'gzip.localhost',
      (_req, res) => {
        res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' });
        res.end(text);
      },
      { compression: true },
    );
    backends.push(backend);
    await get('/', { 'accept-encoding': 'gzip' });
    await get('/');
    const gzip = await get('/', { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expectCacheStatus(gzip, /^Switchyard; hit/);
    const plain = await get('/');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(text);
    expect(backend.requests).toHaveLength(2);
  });
});
