import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { SwitchyardEvent } from '../../src/shared/events';
import { must, withCore } from '../helpers/core';

// Every check result may change a backend's reason, and each change asked for
// a full live snapshot: with many checked backends the UI got dozens a second.
describe('live pushes driven by health checks are coalesced', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('100 backends checked every 100 ms push at most every 250 ms', async () => {
    const listeners = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<net.Server>((resolve) => {
        const server = net.createServer((socket) => socket.destroy());
        server.listen(0, '127.0.0.1', () => resolve(server));
      })),
    );
    const urls = listeners.map((l) => `http://127.0.0.1:${(l.address() as net.AddressInfo).port}`);
    for (let r = 0; r < 20; r++) {
      await must(core.run('routes.create', { host: `r${r}.localhost`, settings: { healthIntervalMs: 100, healthTimeoutMs: 100 }, backends: urls.map((url) => ({ url })) }));
    }
    let pushes = 0;
    const count = (event: SwitchyardEvent) => {
      if (event.name === 'backends.changed') pushes += 1;
    };
    core.events.on('event', count);
    const windowMs = 2_000;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    core.events.off('event', count);
    expect(pushes).toBeGreaterThan(0);
    // One at once, then one per 250 ms at most, plus the once-a-second traffic push.
    expect(pushes).toBeLessThanOrEqual(windowMs / 250 + 1 + windowMs / 1_000);
    for (const l of listeners) l.close();
  });
});
