import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';

describe('rate limiting', () => {
  const dir = tempDir();
  let core: Core;
  let backend: TestBackend;

  beforeAll(async () => {
    backend = await startBackend('ok');
    core = await startCore(dir.path);
  });
  afterAll(async () => {
    await core.stop();
    await backend.close();
    dir.remove();
  });

  it('lets a burst through, then answers 429 with Retry-After, and refills', async () => {
    await must(core.run('routes.create', { host: 'limited.localhost', settings: { rateLimitRps: 2, rateLimitBurst: 3 }, backends: [{ url: backend.url }] }));
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(proxyPort(core), 'limited.localhost')).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toContain(429);
    const limited = await request(proxyPort(core), 'limited.localhost');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body).toMatch(/2 requests per second per client/);
    expect(backend.requests.length).toBeLessThanOrEqual(4);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await request(proxyPort(core), 'limited.localhost')).status).toBe(200);
  });

  it('counts per client address unless the limit is global', async () => {
    const route = await must(
      core.run('routes.create', { host: 'perip.localhost', settings: { rateLimitRps: 0.5, rateLimitBurst: 1 }, backends: [{ url: backend.url }] }),
    );
    const from = (address: string) =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: proxyPort(core), localAddress: address, headers: { host: 'perip.localhost' }, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .on('error', reject);
      });
    expect([await from('127.0.0.2'), await from('127.0.0.2'), await from('127.0.0.3')]).toEqual([200, 429, 200]);
    await must(core.run('routes.update', { id: route.id, settings: { rateLimitPer: 'global' } }));
    expect([await from('127.0.0.4'), await from('127.0.0.5')]).toEqual([200, 429]);
  });
});
