import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, withCleanCore } from '../helpers/core';
import { udpBackend, udpClient, udpRoute, type UdpBackend, type UdpClient } from '../helpers/udp';

// A UDP session is a client address:port. Its first datagram picks a
// backend; every later one goes to the same backend, from one upstream
// socket, so the backend sees one peer per session. Different client ports
// are different sessions and are balanced like TCP connections.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

async function backends(...names: string[]): Promise<UdpBackend[]> {
  const started = await Promise.all(names.map((name) => udpBackend(name)));
  for (const backend of started) cleanups.push(() => backend.close());
  return started;
}

async function clients(count: number): Promise<UdpClient[]> {
  const started = await Promise.all(Array.from({ length: count }, () => udpClient()));
  for (const client of started) cleanups.push(() => client.close());
  return started;
}

const answeredBy = (reply: Buffer) => reply.toString().split(':')[0];

describe('UDP sessions', () => {
  it('keep one client port on one backend, from one upstream port, however many datagrams it sends', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await udpRoute(core, [a!.url, b!.url]);
    const [one] = await clients(1);
    const names = [];
    for (let i = 0; i < 6; i++) names.push(answeredBy(await one!.ask(route.port, `d${i}`)));
    expect(new Set(names).size).toBe(1);
    const reached = names[0] === 'a' ? a! : b!;
    expect(reached.received.map((r) => r.text)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
    expect(new Set(reached.received.map((r) => r.from)).size).toBe(1);
  });

  it('balance across client ports round-robin, each session counted in flight on its backend', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await udpRoute(core, [a!.url, b!.url]);
    const many = await clients(4);
    const names = [];
    for (const client of many) names.push(answeredBy(await client.ask(route.port, 'hello')));
    expect(names).toEqual(['a', 'b', 'a', 'b']);
    // Each client's later datagrams stay where its first went.
    for (const [i, client] of many.entries()) expect(answeredBy(await client.ask(route.port, 'again'))).toBe(names[i]);
    const live = await must(core.run('backends.live', {}));
    expect(route.backends.map((backend) => live.backends[backend.id]!.active)).toEqual([2, 2]);
    expect(live.routes[route.id]!.requests).toBe(4);
    // Four sessions reached the backends from four upstream ports.
    expect(new Set([...a!.received, ...b!.received].map((r) => r.from)).size).toBe(4);
  });

  it('least-connections sends a new session to the backend with fewer open sessions', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await udpRoute(core, [a!.url, b!.url], {}, 'least-connections');
    const [first, second, third] = await clients(3);
    const firstName = answeredBy(await first!.ask(route.port, '1'));
    const secondName = answeredBy(await second!.ask(route.port, '2'));
    expect(secondName).not.toBe(firstName);
    // Switch the second's backend off: its session ends, and the one backend left has one session.
    const secondBackend = route.backends.find((backend) => backend.url === (secondName === 'a' ? a : b)!.url)!;
    await must(core.run('backends.setEnabled', { id: secondBackend.id, enabled: false }));
    await must(core.run('backends.setEnabled', { id: secondBackend.id, enabled: true }));
    expect(answeredBy(await third!.ask(route.port, '3'))).toBe(secondName);
  });
});
