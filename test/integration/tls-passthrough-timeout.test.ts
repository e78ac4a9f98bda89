import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { clientHelloTimeoutMs } from '../../src/main/core/engine/l4/hello-peek';
import { must, withCleanCore } from '../helpers/core';
import { capturedHellos, helloBytes } from '../helpers/client-hellos';
import { recordingBackend, tlsRoute } from '../helpers/tls-passthrough';

// A client that never finishes its ClientHello is routed without a name once
// clientHelloTimeoutMs has passed (HAProxy's inspect-delay): to the * route
// with every byte it sent, or closed when the port has none.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

/** Connects and sends `bytes`, then nothing more; resolves when the proxy closes the connection. */
function stall(port: number, bytes: Buffer): { socket: net.Socket; closedAfterMs: Promise<number> } {
  const started = performance.now();
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  socket.write(bytes);
  return { socket, closedAfterMs: new Promise((resolve) => socket.once('close', () => resolve(performance.now() - started))) };
}

describe('a ClientHello that never completes', () => {
  it(`is closed after ${clientHelloTimeoutMs} ms without a * route, and sent to it with every byte so far with one`, async () => {
    const [named, fallback] = [await recordingBackend(), await recordingBackend()];
    cleanups.push(() => named.close(), () => fallback.close());
    const alone = await tlsRoute(core, 'db.localhost', [named.url]);
    const shared = await tlsRoute(core, 'db.localhost', [named.url]);
    await tlsRoute(core, '*', [fallback.url], {}, shared.port);
    const partial = helloBytes(capturedHellos.nodeDb).subarray(0, 10);
    const closed = stall(alone.port, partial);
    const routed = stall(shared.port, partial);
    cleanups.push(() => Promise.resolve(routed.socket.destroy()));
    const closedAfter = await closed.closedAfterMs;
    expect(closedAfter).toBeGreaterThanOrEqual(clientHelloTimeoutMs - 50);
    expect(closedAfter).toBeLessThan(clientHelloTimeoutMs + 2_000);
    await expect.poll(() => fallback.received(0).length).toBe(partial.length);
    expect(fallback.received(0).equals(partial)).toBe(true);
    expect(routed.socket.destroyed).toBe(false);
    expect(named.connections).toHaveLength(0);
  }, clientHelloTimeoutMs * 3);

  it('is closed at once when the last route on its port is removed', async () => {
    const fallback = await recordingBackend();
    cleanups.push(() => fallback.close());
    const route = await tlsRoute(core, '*', [fallback.url]);
    const stalled = stall(route.port, helloBytes(capturedHellos.nodeDb).subarray(0, 10));
    await new Promise((resolve) => stalled.socket.once('connect', resolve));
    const removedAt = performance.now();
    await must(core.run('routes.delete', { id: route.id }));
    await stalled.closedAfterMs;
    expect(performance.now() - removedAt).toBeLessThan(clientHelloTimeoutMs / 2);
    expect(fallback.connections).toHaveLength(0);
  });

  it('is closed at once when the client ends it, without reaching any backend', async () => {
    const fallback = await recordingBackend();
    cleanups.push(() => fallback.close());
    const { port } = await tlsRoute(core, '*', [fallback.url]);
    const started = performance.now();
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.on('error', () => {});
    socket.end(helloBytes(capturedHellos.nodeDb).subarray(0, 10));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(performance.now() - started).toBeLessThan(clientHelloTimeoutMs / 2);
    expect(fallback.connections).toHaveLength(0);
  });
});
