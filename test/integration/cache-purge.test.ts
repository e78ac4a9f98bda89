import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { cli, startServe, type ServeProcess } from '../helpers/cli';
import { must, request, tempDir, withCore } from '../helpers/core';
import { cachedRoute, expectCacheStatus } from '../helpers/cache';

// cache.stats and cache.purge, through the core and through the CLI.

const cliTimeoutMs = 60_000;

describe('HTTP cache: stats and purge', () => {
  let core: Core;
  withCore((c) => (core = c));
  const backends: TestBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  it('counts entries, bytes, hits and misses per route, and purges a URL, a prefix, a route or everything', async () => {
    const answer = (_req: unknown, res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end('0123456789');
    };
    const a = await cachedRoute(core, 'a.localhost', answer);
    const b = await cachedRoute(core, 'b.localhost', answer);
    backends.push(a.backend, b.backend);
    for (const path of ['/api/1', '/api/2', '/static/x', '/api/1']) await a.get(path);
    await b.get('/api/1');
    const stats = await must(core.run('cache.stats', {}));
    const ofA = stats.find((s) => s.routeId === a.routeId)!;
    expect(ofA).toMatchObject({ route: 'a.localhost', entries: 3, hits: 1, misses: 3, hitRatio: 0.25 });
    expect(ofA.bytes).toBeGreaterThan(30);
    expect(stats.find((s) => s.routeId === b.routeId)).toMatchObject({ entries: 1, hits: 0, misses: 1 });

    expect(await must(core.run('cache.purge', { url: 'http://a.localhost/api/2' }))).toMatchObject({ entries: 1 });
    expectCacheStatus(await a.get('/api/2'), /^Switchyard; fwd=uri-miss/);
    // A path alone is any host: both routes' /api/1 go.
    expect(await must(core.run('cache.purge', { prefix: '/api/1' }))).toMatchObject({ entries: 2 });
    expect(await must(core.run('cache.purge', { routeId: b.routeId }))).toMatchObject({ entries: 0 });
    expect(await must(core.run('cache.purge', { routeId: a.routeId, prefix: '/static' }))).toMatchObject({ entries: 1 });
    expect(await must(core.run('cache.purge', {}))).toMatchObject({ entries: 1 });
    expect((await must(core.run('cache.stats', {}))).every((s) => s.entries === 0 && s.bytes === 0)).toBe(true);

    const both = await core.run('cache.purge', { url: '/x', prefix: '/y' });
    expect(both).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'Purge one URL or one prefix, not both.' } });
    const unknown = await core.run('cache.purge', { routeId: 999_999 });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'ROUTE_NOT_FOUND' } });
    const bad = await core.run('cache.purge', { url: 'ftp://x/y' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('switching the cache off drops what the route stored', async () => {
    const { backend, get, routeId } = await cachedRoute(core, 'switch.localhost', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end('x');
    });
    backends.push(backend);
    await get('/');
    await must(core.run('routes.update', { id: routeId, settings: { cache: false } }));
    await must(core.run('routes.update', { id: routeId, settings: { cache: true } }));
    expectCacheStatus(await get('/'), /^Switchyard; fwd=uri-miss/);
  });
});

describe('switchyard cache stats|purge', () => {
  const dir = tempDir();
  let serve: ServeProcess;
  let backend: TestBackend;
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);
  const get = (path: string) => request(serve.connection.httpPort, 'cli.localhost', path);

  beforeAll(async () => {
    backend = await startBackend('cli', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end('cached by the CLI test');
    });
    serve = await startServe(dir.path);
    expect((await run('route', 'add', 'cli.localhost', '--backend', backend.url, '--set', 'cache=on', '--set', 'healthCheck=off')).code).toBe(0);
  }, cliTimeoutMs);
  afterAll(async () => {
    await serve?.stop();
    await backend.close();
    dir.remove();
  });

  it('stats shows the route; purge drops one URL and says how many', { timeout: cliTimeoutMs }, async () => {
    await get('/a');
    await get('/a');
    await get('/b');
    const stats = await run('cache', 'stats');
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^ROUTE\s+ENTRIES\s+SIZE\s+HITS\s+MISSES\s+HIT RATIO\ncli\.localhost\s+2\s+[\d.]+ (B|KiB)\s+1\s+2\s+33\.3%\n$/);
    const purged = await run('cache', 'purge', '--route', 'cli.localhost', 'http://cli.localhost/a');
    expect(purged).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Purged 1 stored response \([\d.]+ (B|KiB)\)\.\n$/) as unknown });
    expectCacheStatus(await get('/a'), /^Switchyard; fwd=uri-miss/);
    expectCacheStatus(await get('/b'), /^Switchyard; hit/);
    expect((await run('cache', 'purge', '--prefix', '/')).stdout).toMatch(/^Purged 2 stored responses/);
    const wrong = await run('cache', 'purge', '/a', '--prefix', '/b');
    expect(wrong.code).toBe(2);
  });
});
