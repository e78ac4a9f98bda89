import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, withCleanCore } from '../helpers/core';
import { freeUdpPort, udpBackend } from '../helpers/udp';

// Datagrams one side of a UDP route can carry and the other cannot: IPv6
// carries up to 65527 bytes of payload, IPv4 65507. The kernel refuses the
// larger ones on an IPv4 socket (EMSGSIZE); the proxy loses that datagram,
// as a router drops what does not fit, and goes on.

const maxIpv4Payload = 65_507;
const maxIpv6Payload = 65_527;

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

/** A client socket of either family, with the next datagram it gets. */
async function socketOn(type: 'udp4' | 'udp6', address: string) {
  const socket = dgram.createSocket(type);
  const queue: Buffer[] = [];
  socket.on('message', (datagram) => queue.push(datagram));
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  const next = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    return queue.shift();
  };
  return { socket, port: socket.address().port, next };
}

async function freeUdp6Port(): Promise<number> {
  const { socket, port } = await socketOn('udp6', '::1');
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  cleanups.pop();
  return port;
}

describe('UDP route datagram sizes', () => {
  it('an IPv6 backend reply too large for the IPv4 client side is dropped (EMSGSIZE), and the session goes on', async () => {
    const backend = await socketOn('udp6', '::1');
    backend.socket.on('message', (datagram, from) => backend.socket.send(datagram.toString() === 'big' ? Buffer.alloc(maxIpv6Payload, 0x62) : `v6:${datagram.toString()}`, from.port, from.address));
    const routePort = await freeUdpPort();
    const route = await must(core.run('routes.create', { host: `udp://127.0.0.1:${routePort}`, backends: [{ url: `udp://[::1]:${backend.port}` }] }));
    const client = await socketOn('udp4', '127.0.0.1');
    client.socket.send('big', routePort, '127.0.0.1');
    expect(await client.next(300)).toBeUndefined();
    client.socket.send('small', routePort, '127.0.0.1');
    expect((await client.next(2_000))?.toString()).toBe('v6:small');
    const stats = (await must(core.run('backends.live', {}))).backends[route.backends[0]!.id]!;
    // The large reply reached the proxy and was counted; the client never got it.
    expect(stats).toMatchObject({ datagramsOut: 2, bytesOut: maxIpv6Payload + 'v6:small'.length, active: 1 });
  });

  it('an IPv6 client datagram too large for the IPv4 backend is dropped (EMSGSIZE), and the session goes on', async () => {
    const v4 = await udpBackend('v4', (datagram, reply) => reply(`${datagram.length}`));
    cleanups.push(() => v4.close());
    const port = await freeUdp6Port();
    const route = await must(core.run('routes.create', { host: `udp://[::1]:${port}`, backends: [{ url: v4.url }] }));
    const client = await socketOn('udp6', '::1');
    client.socket.send(Buffer.alloc(maxIpv6Payload, 0x61), port, '::1');
    expect(await client.next(300)).toBeUndefined();
    client.socket.send(Buffer.alloc(maxIpv4Payload, 0x61), port, '::1');
    expect((await client.next(2_000))?.toString()).toBe(`${maxIpv4Payload}`);
    expect(v4.received).toHaveLength(1);
    // A datagram the kernel would not send says nothing about the backend: no failure, the session stayed on it.
    expect((await must(core.run('backends.live', {}))).backends[route.backends[0]!.id]).toMatchObject({ failures: 0, active: 1, datagramsIn: 1 });
  });
});
