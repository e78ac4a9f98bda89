import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend } from '../helpers/backends';
import { must, proxyPort, request, withCore } from '../helpers/core';
import { waitForBackend } from '../helpers/health';

/** Accepts connections (so TCP checks pass) but resets every request. */
async function flakyBackend() {
  const server = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('passive health: outlier ejection on real traffic', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('ejects a backend after consecutive resets, sends its traffic elsewhere, and brings it back after the ejection time', async () => {
    const flaky = await flakyBackend();
    const good = await startBackend('good');
    const route = await must(
      core.run('routes.create', {
        host: 'outlier.localhost',
        settings: { ejectAfter: 3, ejectBaseMs: 600, ejectMaxMs: 5_000, healthIntervalMs: 100 },
        backends: [{ url: flaky.url }, { url: good.url }],
      }),
    );
    const flakyId = route.backends[0]!.id;
    await waitForBackend(core, flakyId, (s) => s.status === 'healthy');
    // GETs are retried on the good backend, so clients never see the resets.
    for (let i = 0; i < 8; i++) expect(await request(proxyPort(core), 'outlier.localhost')).toMatchObject({ status: 200, body: 'good' });
    const ejected = await waitForBackend(core, flakyId, (s) => s.status === 'ejected');
    expect(ejected.reason).toMatch(/^Ejected for 1 s after 3 consecutive failures on real traffic: it closed the connection/);
    expect(ejected.failures).toBe(3);
    const before = good.requests.length;
    for (let i = 0; i < 5; i++) await request(proxyPort(core), 'outlier.localhost');
    expect(good.requests.length).toBe(before + 5);

    await waitForBackend(core, flakyId, (s) => s.status === 'healthy', 3_000);
    const kinds = (await must(core.run('timeline.list', { routeId: route.id }))).map((e) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['returned', 'ejected']);
    await flaky.close();
    await good.close();
  });

  it('counts 5xx answers as failures only when the route says so', async () => {
    const failing = await startBackend('failing', (_req, res) => res.writeHead(503).end('overloaded'));
    const good = await startBackend('good');
    const route = await must(
      core.run('routes.create', { host: 'fivexx.localhost', settings: { ejectAfter: 2, healthIntervalMs: 100 }, backends: [{ url: failing.url }, { url: good.url }] }),
    );
    const failingId = route.backends[0]!.id;
    await waitForBackend(core, failingId, (s) => s.status === 'healthy');
    for (let i = 0; i < 6; i++) await request(proxyPort(core), 'fivexx.localhost');
    expect((await must(core.run('backends.live', {}))).backends[failingId]!.status).toBe('healthy');

    await must(core.run('routes.update', { id: route.id, settings: { ejectOn5xx: true } }));
    for (let i = 0; i < 6; i++) await request(proxyPort(core), 'fivexx.localhost');
    expect((await waitForBackend(core, failingId, (s) => s.status === 'ejected')).reason).toMatch(/it answered 503$/);
    await failing.close();
    await good.close();
  });

  it('reports requests per second while traffic flows', async () => {
    const busy = await startBackend('busy');
    const route = await must(core.run('routes.create', { host: 'rate.localhost', settings: { healthCheck: 'off' }, backends: [{ url: busy.url }] }));
    await must(core.run('backends.live', {}));
    await new Promise((r) => setTimeout(r, 550));
    for (let i = 0; i < 30; i++) await request(proxyPort(core), 'rate.localhost');
    await new Promise((r) => setTimeout(r, 550));
    const stats = (await must(core.run('backends.live', {}))).backends[route.backends[0]!.id]!;
    expect(stats.served).toBe(30);
    expect(stats.rps).toBeGreaterThan(10);
    await busy.close();
  });

  it('never ejects more than the allowed share of a route at once', async () => {
    const [a, b] = [await flakyBackend(), await flakyBackend()];
    const route = await must(
      core.run('routes.create', {
        host: 'share.localhost',
        settings: { ejectAfter: 2, maxEjectedPercent: 50, healthIntervalMs: 100 },
        backends: [{ url: a.url }, { url: b.url }],
      }),
    );
    for (let i = 0; i < 10; i++) await request(proxyPort(core), 'share.localhost');
    const live = await must(core.run('backends.live', {}));
    const statuses = route.backends.map((x) => live.backends[x.id]!.status);
    expect(statuses.filter((s) => s === 'ejected')).toHaveLength(1);
    await a.close();
    await b.close();
  });

  it('drains: no new requests, in-flight ones finish, then reports drained', async () => {
    const held: http.ServerResponse[] = [];
    const slow = await startBackend('slow', (_req, res) => held.push(res));
    const other = await startBackend('other');
    const route = await must(
      core.run('routes.create', { host: 'drain.localhost', settings: { healthCheck: 'off' }, backends: [{ url: slow.url }, { url: other.url }] }),
    );
    const slowId = route.backends[0]!.id;
    const inFlight = request(proxyPort(core), 'drain.localhost');
    while (held.length === 0) await new Promise((r) => setTimeout(r, 5));

    await must(core.run('backends.drain', { id: slowId }));
    const draining = await waitForBackend(core, slowId, (s) => s.status === 'draining');
    expect(draining.reason).toMatch(/1 request still in flight/);
    for (let i = 0; i < 4; i++) expect((await request(proxyPort(core), 'drain.localhost')).body).toBe('other');

    held[0]!.end('finished');
    expect((await inFlight).body).toBe('finished');
    await waitForBackend(core, slowId, (s) => s.status === 'drained');
    const timeline = await must(core.run('timeline.list', { routeId: route.id }));
    expect(timeline.some((e) => e.kind === 'config' && /draining/.test(e.message))).toBe(true);
    const deadline = Date.now() + 3000;
    while (!(await must(core.run('timeline.list', { routeId: route.id }))).some((e) => e.kind === 'drained')) {
      if (Date.now() > deadline) throw new Error('no drained entry in the timeline');
      await new Promise((r) => setTimeout(r, 50));
    }

    await must(core.run('backends.setEnabled', { id: slowId, enabled: true }));
    expect((await must(core.run('routes.list', {}))).find((r) => r.id === route.id)!.backends[0]!.draining).toBe(false);
    await slow.close();
    await other.close();
  });
});
