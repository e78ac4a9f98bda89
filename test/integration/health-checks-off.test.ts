import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend } from '../helpers/backends';
import { must, proxyPort, request, withCore } from '../helpers/core';
import { fastChecks, waitForBackend } from '../helpers/health';

// Switching active checks off must not leave a backend where they last put
// it: with nothing left to bring it back, a backend marked down would stay
// down for good. HAProxy's `disable health` ignores the last result and
// considers the server up; so does Switchyard.
describe('health checks switched off', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('a backend checks marked down takes traffic again once checks are off', async () => {
    const live = await startBackend('live');
    const closed = await startBackend('closed');
    await closed.close();
    const route = await must(
      core.run('routes.create', { host: 'off.localhost', settings: { ...fastChecks, retries: 0 }, backends: [{ url: closed.url }, { url: live.url }] }),
    );
    const [closedId, liveId] = route.backends.map((b) => b.id) as [number, number];
    await waitForBackend(core, closedId, (s) => s.status === 'unhealthy');
    await waitForBackend(core, liveId, (s) => s.status === 'healthy');

    await must(core.run('routes.update', { id: route.id, settings: { healthCheck: 'off', ejectAfter: 0 } }));
    const unchecked = await waitForBackend(core, closedId, (s) => s.status === 'unknown');
    expect(unchecked.reason).toMatch(/^Health checks are off/);
    expect((await must(core.run('backends.live', {}))).routes[route.id]).toMatchObject({ receiving: 2 });
    // Round-robin over both again: the closed one answers 502 (retries off), the live one 200.
    const statuses = new Set<number>();
    for (let i = 0; i < 4; i++) statuses.add((await request(proxyPort(core), 'off.localhost')).status);
    expect(statuses).toEqual(new Set([200, 502]));
    await live.close();
  });
});
