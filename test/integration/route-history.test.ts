import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend } from '../helpers/backends';
import { must, proxyPort, request, withCore } from '../helpers/core';

describe('routes.history feeds the charts from the engine counters', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('shows the last seconds of requests, errors and latency of real traffic', async () => {
    const ok = await startBackend('ok', (_req, res) => setTimeout(() => res.end('ok'), 20));
    const failing = await startBackend('failing', (_req, res) => res.writeHead(500).end('no'));
    const good = await must(core.run('routes.create', { host: 'good.localhost', settings: { healthCheck: 'off' }, backends: [{ url: ok.url }] }));
    const bad = await must(core.run('routes.create', { host: 'bad.localhost', settings: { healthCheck: 'off' }, backends: [{ url: failing.url }] }));
    for (let i = 0; i < 10; i++) await request(proxyPort(core), 'good.localhost');
    for (let i = 0; i < 4; i++) await request(proxyPort(core), 'bad.localhost');

    const goodHistory = await must(core.run('routes.history', { routeId: good.id, seconds: 30 }));
    expect(goodHistory.requests).toHaveLength(30);
    expect(goodHistory.requests.reduce((a, b) => a + b)).toBe(10);
    expect(goodHistory.errors.reduce((a, b) => a + b)).toBe(0);
    const p50 = goodHistory.p50.filter((v): v is number => v !== null);
    expect(p50.length).toBeGreaterThan(0);
    // The backend waits 20 ms; the histogram's bucket around it is 16–32 ms.
    for (const value of p50) expect(value).toBeGreaterThanOrEqual(16);
    expect(Date.parse(goodHistory.end)).toBeLessThanOrEqual(Date.now());

    const badHistory = await must(core.run('routes.history', { routeId: bad.id }));
    expect(badHistory.requests).toHaveLength(900);
    expect(badHistory.errors.reduce((a, b) => a + b)).toBe(4);

    expect(await core.run('routes.history', { routeId: 99_999 })).toMatchObject({ ok: false, error: { code: 'ROUTE_NOT_FOUND' } });
    await ok.close();
    await failing.close();
  });
});
