import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, proxyPort, request, withCleanCore } from '../helpers/core';
import { freeUdpPort, udpBackend, udpClient, udpRoute, type UdpBackend } from '../helpers/udp';

// A UDP route relays datagrams through its own socket, opened and closed
// with the config: a client's datagrams reach a backend and the backend's
// replies come back from the address the client sent to.

/** The most an IPv4 UDP datagram holds: 65535 less the IP and UDP headers. */
const maxUdpPayload = 65_507;

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

async function backends(...names: string[]): Promise<UdpBackend[]> {
  const started = await Promise.all(names.map((name) => udpBackend(name)));
  for (const backend of started) cleanups.push(() => backend.close());
  return started;
}

async function client() {
  const started = await udpClient();
  cleanups.push(() => started.close());
  return started;
}

describe('UDP route', () => {
  it('listens as soon as it is added, echoes both ways, and stops once removed', async () => {
    const [a] = await backends('a');
    const route = await udpRoute(core, [a!.url]);
    expect(route).toMatchObject({ kind: 'udp', host: `udp://127.0.0.1:${route.port}`, path: '/' });
    expect(route.settings).toMatchObject({ healthCheck: 'off', idleTimeoutMs: 60_000, udpResponses: 0 });
    const c = await client();
    expect((await c.ask(route.port, 'ping')).toString()).toBe('a:ping');
    expect((await c.ask(route.port, 'pong')).toString()).toBe('a:pong');
    expect(core.engine.listeners()).toContainEqual({ kind: 'udp', address: '127.0.0.1', port: route.port, routeId: route.id });
    // The HTTP listener is unaffected.
    expect((await request(proxyPort(core), 'nothing.localhost')).status).toBe(404);

    await must(core.run('routes.delete', { id: route.id }));
    expect(core.engine.listeners().some((l) => l.kind === 'udp')).toBe(false);
    c.send(route.port, 'anyone?');
    expect(await c.next(200)).toBeUndefined();
    expect(a!.received.map((r) => r.text)).toEqual(['ping', 'pong']);
  });

  it('moves to a new port without a restart: the old one stops, the new one answers, and a UDP route stays a UDP route', async () => {
    const [a] = await backends('a');
    const route = await udpRoute(core, [a!.url]);
    const c = await client();
    await c.ask(route.port, 'before');
    const newPort = await freeUdpPort();
    await must(core.run('routes.update', { id: route.id, host: `udp://127.0.0.1:${newPort}` }));
    c.send(route.port, 'old port');
    expect(await c.next(200)).toBeUndefined();
    expect((await c.ask(newPort, 'new port')).toString()).toBe('a:new port');
    const refused = await core.run('routes.update', { id: route.id, host: `tcp://127.0.0.1:${newPort}` });
    expect(refused).toMatchObject({
      ok: false,
      error: { field: 'host', message: `A UDP route keeps a udp:// address; tcp://127.0.0.1:${newPort} would make it a TCP route. Add a TCP route for it instead (switchyard route add tcp://127.0.0.1:${newPort} --backend tcp://HOST:PORT).` },
    });
  });

  it('counts sessions, datagrams and bytes each way per backend', async () => {
    const [a] = await backends('a');
    const route = await udpRoute(core, [a!.url]);
    const c = await client();
    await c.ask(route.port, 'x'.repeat(100));
    await c.ask(route.port, 'y'.repeat(50));
    const live = await must(core.run('backends.live', {}));
    const id = route.backends[0]!.id;
    // One session (the client's address:port) still open; replies are "a:" + the datagram.
    expect(live.backends[id]).toMatchObject({ active: 1, served: 1, datagramsIn: 2, datagramsOut: 2, bytesIn: 150, bytesOut: 154, status: 'unknown' });
    expect(live.routes[route.id]).toMatchObject({ requests: 1 });
  });

  it('relays the largest datagram UDP carries both ways, and goes on', async () => {
    const sizes = await udpBackend('sizes', (datagram, reply) => reply(datagram.length === 1 ? 'y'.repeat(maxUdpPayload) : `${datagram.length}`));
    cleanups.push(() => sizes.close());
    const route = await udpRoute(core, [sizes.url]);
    const c = await client();
    expect((await c.ask(route.port, Buffer.alloc(maxUdpPayload, 0x61))).toString()).toBe(`${maxUdpPayload}`);
    expect((await c.ask(route.port, 'x')).length).toBe(maxUdpPayload);
    expect((await c.ask(route.port, 'after')).toString()).toBe('5');
  });
});
