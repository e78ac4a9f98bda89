import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { demoHost } from '../../src/shared/demo';
import type { BackendStatus } from '../../src/shared/events';
import { must, proxyPort, request, withCore } from '../helpers/core';

/** What the brief promises a new user: balancing, health and failover within ten seconds. */
const firstImpressionMs = 10_000;
/** Direct requests to the flaky backend until one fails. */
const flakyTries = 50;

const refusesConnections = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('the demo (demo.start / demo.stop on a real core)', () => {
  let core: Core;
  withCore((c) => (core = c));

  it(
    'balances across three backends, takes the flaky one out within ten seconds, and goes away on stop',
    async () => {
      const started = Date.now();
      onTestFinished(async () => void (await core.run('demo.stop', {})));
      const demo = await must(core.run('demo.start', {}));
      expect(demo).toMatchObject({ running: true, url: `http://${demoHost}:${proxyPort(core)}/` });
      expect(demo.backends.map((backend) => backend.behaviour)).toEqual([
        'Answers every request at once',
        'Fails 30% of requests with 503, and its health checks for 5 s of every 15',
        'Takes about 400 ms to answer',
      ]);
      // A second click changes nothing.
      expect(await must(core.run('demo.start', {}))).toEqual(demo);

      const [steady, flaky, slow] = demo.backends.map((backend) => backend.url);
      const seen = new Map<string, Set<BackendStatus>>();
      let live = await must(core.run('backends.live', {}));
      const routes = await must(core.run('routes.list', {}));
      const route = routes.find((r) => r.host === demoHost)!;
      const idOf = (url: string) => route.backends.find((backend) => backend.url === url)!.id;
      while (Date.now() - started < firstImpressionMs) {
        live = await must(core.run('backends.live', {}));
        for (const url of [steady!, flaky!, slow!]) seen.set(url, (seen.get(url) ?? new Set()).add(live.backends[idOf(url)]!.status));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // The demo's own traffic reached every backend, and the slow one is slow.
      for (const url of [steady!, flaky!, slow!]) expect(live.backends[idOf(url)]!.served, url).toBeGreaterThan(0);
      expect(live.backends[idOf(slow!)]!.latency.p50).toBeGreaterThanOrEqual(250);
      // Flaky by design: asked often enough, it answers 503 (30% each time, so 50 tries all pass with p ≈ 2e-8).
      // Asked directly: the proxy's share of its traffic over 10 s, minus its spell out, can be too small to show one.
      const statuses = new Set<number>();
      for (let i = 0; i < flakyTries && !statuses.has(503); i++) statuses.add((await request(Number(new URL(flaky!).port), demoHost)).status);
      expect(statuses).toContain(503);
      // Failover: the flaky one failed its checks and was taken out while the steady one stayed in.
      expect([...seen.get(flaky!)!]).toContain('unhealthy');
      expect([...seen.get(steady!)!].filter((status) => status !== 'unknown')).toEqual(['healthy']);
      // A user's request through the proxy is answered by a demo backend.
      const answer = await request(proxyPort(core), demoHost);
      expect(answer.status === 200 || answer.status === 503).toBe(true);

      const stopped = await must(core.run('demo.stop', {}));
      expect(stopped).toEqual({ running: false, backends: [] });
      expect((await must(core.run('routes.list', {}))).some((r) => r.host === demoHost)).toBe(false);
      for (const url of [steady!, flaky!, slow!]) expect(await refusesConnections(url), url).toBe(true);
      const again = await core.run('demo.stop', {});
      expect(again.ok === false && again.error.code).toBe('NOT_RUNNING');
    },
    firstImpressionMs + 10_000,
  );

  it('refuses to take over a demo.localhost route of the user’s, and leaves no server running', async () => {
    const mine = await must(core.run('routes.create', { host: demoHost, backends: [{ url: 'http://127.0.0.1:9' }], settings: { healthCheck: 'off' } }));
    const refused = await core.run('demo.start', {});
    expect(refused.ok === false && refused.error).toMatchObject({ code: 'ROUTE_EXISTS', message: expect.stringContaining('switchyard route remove demo.localhost') });
    expect(await must(core.run('routes.list', {}))).toEqual([mine]);
    expect((await core.run('demo.stop', {})).ok).toBe(false);
    await must(core.run('routes.delete', { id: mine.id }));
  });

  it('is removed when the core stops, so no route is left pointing at closed ports', async () => {
    const { startCore, tempDir } = await import('../helpers/core');
    const dir = tempDir();
    const first = await startCore(dir.path);
    const demo = await must(first.run('demo.start', {}));
    await first.stop();
    for (const backend of demo.backends) expect(await refusesConnections(backend.url)).toBe(true);
    const second = await startCore(dir.path);
    expect(await must(second.run('routes.list', {}))).toEqual([]);
    await second.stop();
    dir.remove();
  });
});
