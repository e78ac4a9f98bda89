import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, withCore } from '../helpers/core';
import { fastChecks, waitForBackend } from '../helpers/health';

describe('active health checks', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('TCP checks see a backend go down and come back, with the reason, and traffic follows', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const route = await must(core.run('routes.create', { host: 'tcp.localhost', settings: fastChecks, backends: [{ url: a.url }, { url: b.url }] }));
    const [aId, bId] = route.backends.map((x) => x.id) as [number, number];
    await waitForBackend(core, aId, (s) => s.status === 'healthy');
    await waitForBackend(core, bId, (s) => s.status === 'healthy');

    await b.close();
    const down = await waitForBackend(core, bId, (s) => s.status === 'unhealthy');
    expect(down.reason).toMatch(new RegExp(`^3 consecutive checks failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${b.port}$`));
    expect(down.checks.slice(-3)).toEqual([false, false, false]);
    for (let i = 0; i < 4; i++) expect((await request(proxyPort(core), 'tcp.localhost')).body).toBe('a');
    // The live status says what the routing table does: one backend takes traffic, no panic.
    expect((await must(core.run('backends.live', {}))).routes[route.id]).toMatchObject({ receiving: 1, panic: false });

    // Back on the same port, so the configured URL points at it again.
    const revived = await startBackend('b', undefined, b.port);
    await waitForBackend(core, bId, (s) => s.status === 'healthy');
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await request(proxyPort(core), 'tcp.localhost')).body);
    expect(bodies).toEqual(new Set(['a', 'b']));

    const timeline = await must(core.run('timeline.list', { routeId: route.id }));
    expect(timeline.map((e) => e.kind).slice(0, 2)).toEqual(['up', 'down']);
    expect(timeline[1]!.message).toContain(`${b.url} is down: 3 consecutive checks failed`);
    await revived.close();
    await a.close();
  });

  it('HTTP checks match the expected status and body text', async () => {
    let status = 200;
    let body = 'status: ok';
    const backend = await startBackend('app', (req, res) => {
      if (req.url === '/health') res.writeHead(status).end(body);
      else res.end('app');
    });
    const route = await must(
      core.run('routes.create', {
        host: 'http.localhost',
        settings: { ...fastChecks, healthCheck: 'http', healthPath: '/health', healthStatuses: '200', healthBody: 'ok' },
        backends: [{ url: backend.url }],
      }),
    );
    const id = route.backends[0]!.id;
    expect((await waitForBackend(core, id, (s) => s.status === 'healthy')).lastCheck?.detail).toBe('200 with "ok"');
    status = 503;
    expect((await waitForBackend(core, id, (s) => s.status === 'unhealthy')).reason).toMatch(/status 503 \(expected 200\)/);
    status = 200;
    body = 'degraded';
    await waitForBackend(core, id, (s) => s.lastCheck?.detail.includes('lacks "ok"') === true);
    body = 'ok';
    await waitForBackend(core, id, (s) => s.status === 'healthy');
    expect(backend.requests.filter((r) => r.url === '/health').every((r) => r.headers['user-agent'] === 'Switchyard-Health-Check')).toBe(true);
    await backend.close();
  });

  it("a backend's own health path overrides the route's", async () => {
    const backend = await startBackend('own', (req, res) => res.writeHead(req.url === '/ping' ? 204 : 404).end());
    const route = await must(
      core.run('routes.create', {
        host: 'own.localhost',
        settings: { ...fastChecks, healthCheck: 'http', healthPath: '/health' },
        backends: [{ url: backend.url, health: { healthPath: '/ping' } }],
      }),
    );
    const id = route.backends[0]!.id;
    await waitForBackend(core, id, (s) => s.status === 'healthy');
    expect(backend.requests.every((r) => r.url === '/ping')).toBe(true);
    // Removing the override falls back to the route's /health, which this backend lacks.
    await must(core.run('backends.update', { id, health: { healthPath: null } }));
    expect((await waitForBackend(core, id, (s) => s.status === 'unhealthy')).reason).toMatch(/status 404/);
    await backend.close();
  });

  it('a hung backend fails its check by timeout', async () => {
    const hung = await startBackend('hung', () => {});
    const route = await must(
      core.run('routes.create', { host: 'hung.localhost', settings: { ...fastChecks, healthCheck: 'http', healthTimeoutMs: 150 }, backends: [{ url: hung.url }] }),
    );
    const down = await waitForBackend(core, route.backends[0]!.id, (s) => s.status === 'unhealthy');
    expect(down.reason).toMatch(/no answer within 150 ms$/);
    // Its only backend is down: panic mode keeps sending to it rather than failing everything.
    expect((await must(core.run('backends.live', {}))).routes[route.id]).toMatchObject({ receiving: 1, panic: true });
    await hung.close();
  });

  it('stops checking removed backends and routes: no timers, no more connections', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    for (const route of await must(core.run('routes.list', {}))) await must(core.run('routes.delete', { id: route.id }));
    expect(core.engine.health.timerCount()).toBe(0);

    const route = await must(core.run('routes.create', { host: 'gone.localhost', settings: fastChecks, backends: [{ url }] }));
    await waitForBackend(core, route.backends[0]!.id, (s) => s.status === 'healthy');
    expect(core.engine.health.timerCount()).toBe(1);
    await must(core.run('routes.delete', { id: route.id }));
    expect(core.engine.health.timerCount()).toBe(0);
    const after = connections;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(connections).toBe(after);
    server.close();
  });

  it('a disabled backend is not checked and shows as disabled', async () => {
    const backend: TestBackend = await startBackend('off');
    const route = await must(core.run('routes.create', { host: 'off.localhost', settings: fastChecks, backends: [{ url: backend.url, enabled: false }] }));
    const stats = await waitForBackend(core, route.backends[0]!.id, (s) => s.status === 'disabled');
    expect(stats.checks).toEqual([]);
    expect(core.engine.health.timerCount()).toBe(0);
    await backend.close();
    await must(core.run('routes.delete', { id: route.id }));
  });
});
