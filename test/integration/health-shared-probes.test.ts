import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend } from '../helpers/backends';
import { must, withCore } from '../helpers/core';
import { fastChecks, waitForBackend } from '../helpers/health';

const windowMs = 1_000;
// Checks every 100 ms ±10% jitter: about ten probes a window, for each probe that is sent.
const probesPerWindow = windowMs / fastChecks.healthIntervalMs;
// Slack for timer drift and a window that catches one probe more.
const slack = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A dev server that accepts TCP checks and counts the connections it sees. */
async function countingServer(): Promise<{ url: string; connections: () => number; close: () => void }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => connections, close: () => server.close() };
}

// Issue 11: several routes pointing at one dev server each sent their own
// probe every interval, so the checks grew with the routes, not the servers.
describe('backends checked the same way at the same address share one probe', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('two routes on one dev server: one connection per interval, and both backends follow it', async () => {
    const server = await countingServer();
    const one = await must(core.run('routes.create', { host: 'one.localhost', settings: fastChecks, backends: [{ url: server.url }] }));
    const two = await must(core.run('routes.create', { host: 'two.localhost', settings: fastChecks, backends: [{ url: server.url }] }));
    const ids = [one.backends[0]!.id, two.backends[0]!.id];
    for (const id of ids) await waitForBackend(core, id, (s) => s.status === 'healthy');
    expect(core.engine.health.probeCount()).toBe(1);

    const before = server.connections();
    await sleep(windowMs);
    const seen = server.connections() - before;
    expect(seen).toBeGreaterThanOrEqual(probesPerWindow - slack);
    expect(seen).toBeLessThanOrEqual(probesPerWindow + slack);

    // Both see the shared result: down together, with the same reason.
    server.close();
    const down = await Promise.all(ids.map((id) => waitForBackend(core, id, (s) => s.status === 'unhealthy')));
    expect(down[0]!.reason).toBe(down[1]!.reason);
    for (const route of [one, two]) await must(core.run('routes.delete', { id: route.id }));
    expect(core.engine.health.timerCount()).toBe(0);
  });

  it('a route added on a dev server checked less than an interval ago takes that result instead of sending a probe', async () => {
    const server = await countingServer();
    const slow = { ...fastChecks, healthIntervalMs: 10_000 };
    const first = await must(core.run('routes.create', { host: 'first.localhost', settings: slow, backends: [{ url: server.url }] }));
    await waitForBackend(core, first.backends[0]!.id, (s) => s.status === 'healthy');
    expect(server.connections()).toBe(1);
    const more = [];
    for (let i = 0; i < 5; i++) more.push(await must(core.run('routes.create', { host: `more-${i}.localhost`, settings: slow, backends: [{ url: server.url }] })));
    for (const route of more) expect((await waitForBackend(core, route.backends[0]!.id, () => true)).status).toBe('healthy');
    expect(server.connections()).toBe(1);
    for (const route of [first, ...more]) await must(core.run('routes.delete', { id: route.id }));
    server.close();
  });

  it('checks that differ (another path, another interval) are not shared, and a removed route leaves the shared probe running', async () => {
    const backend = await startBackend('app', (req, res) => res.writeHead(req.url === '/ready' || req.url === '/health' ? 200 : 404).end());
    const http = { ...fastChecks, healthCheck: 'http' as const };
    const routes = [
      await must(core.run('routes.create', { host: 'a.localhost', settings: { ...http, healthPath: '/health' }, backends: [{ url: backend.url }] })),
      await must(core.run('routes.create', { host: 'b.localhost', settings: { ...http, healthPath: '/health' }, backends: [{ url: backend.url }] })),
      await must(core.run('routes.create', { host: 'c.localhost', settings: { ...http, healthPath: '/ready' }, backends: [{ url: backend.url }] })),
      await must(core.run('routes.create', { host: 'd.localhost', settings: { ...http, healthPath: '/health', healthIntervalMs: 150 }, backends: [{ url: backend.url }] })),
    ];
    for (const route of routes) await waitForBackend(core, route.backends[0]!.id, (s) => s.status === 'healthy');
    // a and b share; c (another path) and d (another interval) have their own.
    expect(core.engine.health.probeCount()).toBe(3);

    await must(core.run('routes.delete', { id: routes[0]!.id }));
    expect(core.engine.health.probeCount()).toBe(3);
    const checksOf = (path: string) => backend.requests.filter((r) => r.url === path).length;
    const lastCheckOfB = async () => (await waitForBackend(core, routes[1]!.backends[0]!.id, () => true)).lastCheck?.at;
    const [before, bBefore] = [checksOf('/ready'), await lastCheckOfB()];
    await sleep(windowMs);
    // The probe b shared with the removed a goes on, and /ready is checked once per interval, not more.
    expect(await lastCheckOfB()).not.toBe(bBefore);
    expect(checksOf('/ready') - before).toBeLessThanOrEqual(probesPerWindow + slack);
    for (const route of routes.slice(1)) await must(core.run('routes.delete', { id: route.id }));
    expect(core.engine.health.probeCount()).toBe(0);
    await backend.close();
  });
});
