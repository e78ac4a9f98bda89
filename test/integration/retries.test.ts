import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { resettingBackend, backendsClosedBy } from '../helpers/backends';
import { freePort, freePorts, must, proxyPort, request, settled, withCleanCore } from '../helpers/core';

async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

describe('retries on another backend', () => {
  let core: Core;
  const cleanups = withCleanCore((c) => (core = c));


  const backend = backendsClosedBy(cleanups);

  it('a refused connection is retried on another backend: with one of two dead the client sees no error', async () => {
    const alive = await backend('alive');
    // Checks off: with them the dead backend would be kept out of rotation (see passive-health tests).
    const route = await must(
      core.run('routes.create', { host: 'r.localhost', settings: { healthCheck: 'off' }, backends: [{ url: await closedPortUrl() }, { url: alive.url }] }),
    );
    for (let i = 0; i < 6; i++) {
      const res = await request(proxyPort(core), 'r.localhost', '/', { method: i % 2 ? 'POST' : 'GET', body: i % 2 ? 'payload' : undefined });
      expect(res).toMatchObject({ status: 200, body: 'alive' });
    }
    expect(alive.requests.length).toBe(6);
    expect(core.engine.failureCount(route.backends[0]!.id)).toBe(3);
  });

  it('a reset before the response is retried for GET', async () => {
    const resetter = await resettingBackend();
    cleanups.push(resetter.close);
    const alive = await backend('alive');
    await must(core.run('routes.create', { host: 'r.localhost', backends: [{ url: resetter.url }, { url: alive.url }] }));
    await settled(core);
    for (let i = 0; i < 4; i++) expect(await request(proxyPort(core), 'r.localhost')).toMatchObject({ status: 200, body: 'alive' });
    expect(resetter.hits()).toBe(2);
  });

  it('a reset is not retried for a POST whose body was sent: 502, and the other backend never sees it', async () => {
    const resetter = await resettingBackend();
    cleanups.push(resetter.close);
    const alive = await backend('alive');
    await must(
      core.run('routes.create', { host: 'r.localhost', backends: [{ url: resetter.url }, { url: alive.url }] }),
    );
    await settled(core);
    const res = await request(proxyPort(core), 'r.localhost', '/', { method: 'POST', body: 'charge the card' });
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/connection reset/);
    expect(resetter.hits()).toBe(1);
    expect(alive.requests.length).toBe(0);
  });

  it('never retries after response bytes reached the client', async () => {
    const partial = await backend('partial', (req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('half');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const alive = await backend('alive');
    await must(core.run('routes.create', { host: 'r.localhost', backends: [{ url: partial.url }, { url: alive.url }] }));
    await settled(core);
    const outcome = await new Promise<string>((resolve) => {
      http
        .get({ host: '127.0.0.1', port: proxyPort(core), headers: { host: 'r.localhost' }, agent: false }, (res) => {
          res.on('data', () => {});
          res.on('end', () => resolve('complete'));
          res.on('error', () => resolve('aborted'));
          res.on('aborted', () => resolve('aborted'));
        })
        .on('error', () => resolve('aborted'));
    });
    expect(outcome).toBe('aborted');
    expect(partial.requests.length).toBe(1);
    expect(alive.requests.length).toBe(0);
  });

  it('gives up after the configured retries and lists every backend it tried', async () => {
    const urls = (await freePorts(4)).map((port) => `http://127.0.0.1:${port}`);
    await must(core.run('routes.create', { host: 'r.localhost', settings: { retries: 2 }, backends: urls.map((url) => ({ url })) }));
    const res = await request(proxyPort(core), 'r.localhost');
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/tried 3 backends/);
    expect(res.body.match(/connection refused/g)).toHaveLength(3);
  });
});
