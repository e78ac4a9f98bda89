import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, withCleanCore } from '../helpers/core';
import { freeUdpPort, udpBackend, udpClient, udpRoute } from '../helpers/udp';

// A backend whose port is closed answers a datagram with ICMP port
// unreachable, which a connected UDP socket reports as ECONNREFUSED: that is
// a failed attempt for passive health, and the session's next datagram goes
// to another backend. The datagram that met the closed port is lost, as UDP
// loses datagrams; the client's retry is answered.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** ICMP comes back over loopback within microseconds; this leaves room for a loaded machine. */
const icmpWaitMs = 100;

async function live() {
  return must(core.run('backends.live', {}));
}

describe('UDP route failover', () => {
  it('moves a session off a closed port after ICMP port unreachable, and counts the failure', async () => {
    const closed = `udp://127.0.0.1:${await freeUdpPort()}`;
    const b = await udpBackend('b');
    const client = await udpClient();
    cleanups.push(() => b.close(), () => client.close());
    // Round-robin starts with the first backend: the closed one.
    const route = await udpRoute(core, [closed, b.url]);
    client.send(route.port, 'lost');
    expect(await client.next(icmpWaitMs)).toBeUndefined();
    // The client retries, as a UDP client does, from the same port: the same session, now on b.
    expect((await client.ask(route.port, 'retry')).toString()).toBe('b:retry');
    expect((await client.ask(route.port, 'and on')).toString()).toBe('b:and on');
    const stats = await live();
    const [dead, alive] = route.backends.map((backend) => stats.backends[backend.id]!);
    expect(dead).toMatchObject({ failures: 1, retries: 1, active: 0, datagramsIn: 1, datagramsOut: 0 });
    expect(alive).toMatchObject({ failures: 0, active: 1, served: 1 });
    // One session throughout: the route took one request.
    expect(stats.routes[route.id]!.requests).toBe(1);
    expect(new Set(b.received.map((r) => r.from)).size).toBe(1);
  });

  it('ejects a closed backend after ejectAfter failures, so new sessions skip it', async () => {
    const closed = `udp://127.0.0.1:${await freeUdpPort()}`;
    const b = await udpBackend('b');
    cleanups.push(() => b.close());
    const route = await udpRoute(core, [closed, b.url], { ejectAfter: 1 });
    const first = await udpClient();
    cleanups.push(() => first.close());
    first.send(route.port, 'lost');
    await pause(icmpWaitMs);
    const dead = (await live()).backends[route.backends[0]!.id]!;
    expect(dead.status).toBe('ejected');
    expect(dead.reason).toContain('ICMP port unreachable');
    // Every new session is answered at its first datagram.
    for (let i = 0; i < 4; i++) {
      const client = await udpClient();
      cleanups.push(() => client.close());
      expect((await client.ask(route.port, `new ${i}`)).toString()).toBe(`b:new ${i}`);
    }
  });

  it('keeps working when every backend is closed: datagrams are dropped, nothing stops', async () => {
    const route = await udpRoute(core, [`udp://127.0.0.1:${await freeUdpPort()}`, `udp://127.0.0.1:${await freeUdpPort()}`]);
    const client = await udpClient();
    cleanups.push(() => client.close());
    for (let i = 0; i < 6; i++) {
      client.send(route.port, `nobody ${i}`);
      await pause(icmpWaitMs / 4);
    }
    expect(await client.next(icmpWaitMs)).toBeUndefined();
    const stats = await live();
    // The session went back and forth between the two as each failed.
    expect(route.backends.map((backend) => stats.backends[backend.id]!.failures).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(4);
    // A backend that comes up at one of those addresses is used.
    const port = Number(route.backends[0]!.url.split(':').at(-1));
    const revived = await udpBackend('up', undefined, port);
    cleanups.push(() => revived.close());
    let answer: Buffer | undefined;
    for (let i = 0; i < 4 && !answer; i++) {
      client.send(route.port, 'anyone?');
      answer = await client.next(icmpWaitMs);
    }
    expect(answer?.toString()).toBe('up:anyone?');
  });
});
