import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';

describe('headers sent to the backend and back', () => {
  const dir = tempDir();
  let core: Core;
  let echo: TestBackend;

  beforeAll(async () => {
    echo = await startBackend('echo', (req, res) => {
      req.resume();
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('Connection', 'keep-alive, X-Backend-Private');
      res.setHeader('X-Backend-Private', 'hidden');
      res.setHeader('Keep-Alive', 'timeout=77');
      res.end(JSON.stringify({ headers: req.headers, raw: req.rawHeaders }));
    });
    core = await startCore(dir.path);
    await must(core.run('routes.create', { host: 'echo.localhost', backends: [{ url: echo.url }] }));
  });
  afterAll(async () => {
    await core.stop();
    await echo.close();
    dir.remove();
  });

  it('preserves Host, sets X-Forwarded-Proto/-Host and appends X-Forwarded-For', async () => {
    const port = proxyPort(core);
    const res = await request(port, `echo.localhost:${port}`, '/', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    const { headers } = JSON.parse(res.body);
    expect(headers.host).toBe(`echo.localhost:${port}`);
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe(`echo.localhost:${port}`);
  });

  it('strips hop-by-hop headers, including those a hostile client names in Connection, but never its own X-Forwarded-*', async () => {
    const res = await request(proxyPort(core), 'echo.localhost', '/', {
      headers: [
        'Connection', 'keep-alive, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Client-Private',
        'X-Client-Private', 'secret',
        'X-Forwarded-Proto', 'https',
        'Keep-Alive', 'timeout=1',
        'TE', 'trailers',
        'Proxy-Authorization', 'Basic eDp5',
        'X-Normal', 'kept',
      ],
    });
    const { headers } = JSON.parse(res.body);
    expect(headers['x-client-private']).toBeUndefined();
    expect(headers['keep-alive']).toBeUndefined();
    expect(headers.te).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers['x-normal']).toBe('kept');
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe('echo.localhost');
  });

  it('adds Via and X-Forwarded-Port both ways, and names the backend in the response', async () => {
    const port = proxyPort(core);
    const res = await request(port, 'echo.localhost', '/', { headers: { via: '1.0 corporate-proxy' } });
    const { headers } = JSON.parse(res.body);
    expect(headers.via).toMatch(/^1\.0 corporate-proxy, 1\.1 switchyard-[0-9a-f]{8}$/);
    expect(headers['x-forwarded-port']).toBe(String(port));
    expect(res.headers.via).toBe('1.1 switchyard');
    expect(res.headers['x-switchyard-backend']).toBe(echo.url);

    const route = (await must(core.run('routes.list', {})))[0]!;
    await must(core.run('routes.update', { id: route.id, settings: { backendHeader: false } }));
    expect((await request(port, 'echo.localhost')).headers['x-switchyard-backend']).toBeUndefined();
    await must(core.run('routes.update', { id: route.id, settings: { backendHeader: true } }));
  });

  it('strips the path prefix and rewrites Host to the backend when the route says so', async () => {
    const route = await must(
      core.run('routes.create', { host: 'echo.localhost', path: '/api', settings: { stripPrefix: true, rewriteHost: true }, backends: [{ url: echo.url }] }),
    );
    const seen = async (path: string) => {
      await request(proxyPort(core), 'echo.localhost', path);
      return echo.requests.at(-1)!;
    };
    expect((await seen('/api/users?id=7')).url).toBe('/users?id=7');
    expect((await seen('/api')).url).toBe('/');
    expect((await seen('/api?x=1')).url).toBe('/?x=1');
    const last = await seen('/api/x');
    expect(last.headers.host).toBe(new URL(echo.url).host);
    expect(last.headers['x-forwarded-host']).toBe('echo.localhost');
    await must(core.run('routes.delete', { id: route.id }));
  });

  it('strips hop-by-hop response headers and keeps repeated Set-Cookie headers', async () => {
    const res = await request(proxyPort(core), 'echo.localhost');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['x-backend-private']).toBeUndefined();
    expect(res.headers['keep-alive'] ?? '').not.toContain('77');
  });
});
