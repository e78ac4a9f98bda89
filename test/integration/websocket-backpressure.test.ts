import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, proxyPort, withCleanCore } from '../helpers/core';
import { openWebSocket, wsBackend } from '../helpers/ws-backend';

/** Far more than the socket buffers between backend and client hold, so the proxy must pause and resume the backend. */
const totalBytes = 16 * 1024 * 1024;
const messageBytes = 256 * 1024;
/** Long enough for the proxy's write queue to the client to fill. */
const clientStallMs = 500;
const deliveryDeadlineMs = 5_000;

describe('WebSocket backpressure', () => {
  let core: Core;
  const cleanups = withCleanCore((c) => (core = c));

  it('a client that stops reading for a while still gets everything the backend sent', async () => {
    const backend = await wsBackend('big');
    cleanups.push(() => backend.close());
    await must(core.run('routes.create', { host: 'bp.localhost', settings: { healthCheck: 'off' }, backends: [{ url: backend.url }] }));
    const ws = await openWebSocket(proxyPort(core), 'bp.localhost');
    cleanups.push(() => Promise.resolve(ws.terminate()));
    while (backend.connections.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const [server] = [...backend.connections];
    ws.pause();
    const message = Buffer.alloc(messageBytes, 'a');
    for (let sent = 0; sent < totalBytes; sent += messageBytes) server!.send(message);
    await new Promise((resolve) => setTimeout(resolve, clientStallMs));
    let received = 0;
    const all = new Promise<void>((resolve) =>
      ws.on('message', (data: Buffer) => {
        received += data.length;
        if (received >= totalBytes) resolve();
      }),
    );
    ws.resume();
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, deliveryDeadlineMs))]);
    expect(received).toBe(totalBytes);
  }, 15_000);
});
