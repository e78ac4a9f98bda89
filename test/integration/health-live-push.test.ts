import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { SwitchyardEvent, TrafficUpdate } from '../../src/shared/events';
import { startBackend } from '../helpers/backends';
import { must, withCore } from '../helpers/core';
import { fastChecks, waitForBackend } from '../helpers/health';

// Checks every 100 ms: this is several checks' worth of quiet.
const quietMs = 700;
// Answers take 0..20 ms, so a check's latency differs from the last one's.
const maxDelayMs = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Issue 11: every check result pushed a snapshot of every backend, because a
// reason carried the check's latency ("200 in 7 ms") or a growing count of
// failures; at 500 backends that is ~250 KB of JSON a few times a second.
describe('live pushes carry what changed', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('steady checks push nothing; a backend going down pushes only itself and its route, and nothing more while it stays down', async () => {
    const slow = () => startBackend('app', (_req, res) => setTimeout(() => res.end('ok'), Math.random() * maxDelayMs));
    const [a, b, c] = [await slow(), await slow(), await slow()];
    // A generous timeout: a check timed out by a busy machine would be a real change, and a push.
    const settings = { ...fastChecks, healthCheck: 'http' as const, healthTimeoutMs: 2_000 };
    const first = await must(core.run('routes.create', { host: 'first.localhost', settings, backends: [{ url: a.url }, { url: b.url }] }));
    const second = await must(core.run('routes.create', { host: 'second.localhost', settings, backends: [{ url: c.url }] }));
    const [aId, bId] = first.backends.map((x) => x.id) as [number, number];
    const cId = second.backends[0]!.id;
    for (const id of [aId, bId, cId]) await waitForBackend(core, id, (s) => s.status === 'healthy');

    const pushes: TrafficUpdate[] = [];
    const listen = (event: SwitchyardEvent) => {
      if (event.name === 'backends.changed') pushes.push(event.payload);
    };
    core.events.on('event', listen);
    try {
      await sleep(quietMs);
      expect(pushes).toEqual([]);

      await b.close();
      const down = await waitForBackend(core, bId, (s) => s.status === 'unhealthy');
      await sleep(quietMs);
      expect(pushes.length).toBeGreaterThan(0);
      for (const push of pushes) {
        expect(push.complete).toBe(false);
        expect(Object.keys(push.backends)).toEqual([String(bId)]);
        expect(Object.keys(push.routes)).toEqual([String(first.id)]);
      }
      const last = pushes.at(-1)!;
      expect(last.backends[bId]).toMatchObject({ status: 'unhealthy', reason: down.reason });
      expect(last.routes[first.id]).toMatchObject({ receiving: 1 });
      // Down the same way, check after check: the reason that marked it down stands, so nothing is pushed.
      const count = pushes.length;
      await sleep(quietMs);
      expect(pushes.length).toBe(count);

      // A config change may change any backend: everything goes out.
      await must(core.run('routes.update', { id: second.id, host: 'renamed.localhost' }));
      await sleep(quietMs);
      const full = pushes.slice(count).find((p) => p.complete);
      expect(full && Object.keys(full.backends).sort()).toEqual([aId, bId, cId].map(String).sort());
    } finally {
      core.events.off('event', listen);
      await a.close();
      await c.close();
    }
  });
});
