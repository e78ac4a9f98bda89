import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { SwitchyardEvent } from '../../src/shared/events';
import { must, proxyPort, request, startCore, tempDir, withCleanCore } from '../helpers/core';
import { greeted, tcpBackend } from '../helpers/tcp';
import { freeUdpPort, udpBackend, udpClient, udpRoute, type UdpClient } from '../helpers/udp';

// What a UDP route's socket may meet: a port another program holds (a
// problem of that route, not a failed start), more clients than
// maxConnections (the rest are dropped, not queued without bound), and a
// TCP route on the same port number (another port space).

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

/** A UDP port held by another socket until `release`. */
async function takenUdpPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const squatter = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => squatter.bind(0, '127.0.0.1', resolve));
  let released: Promise<void> | undefined;
  const release = () => (released ??= new Promise<void>((resolve) => squatter.close(() => resolve())));
  cleanups.push(release);
  return { port: squatter.address().port, release };
}

/** A port number free for both UDP and TCP on loopback (either alone may be taken by another test's socket). */
async function freeBothPort(): Promise<number> {
  for (;;) {
    const port = await freeUdpPort();
    const server = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

async function clients(count: number): Promise<UdpClient[]> {
  const started = await Promise.all(Array.from({ length: count }, () => udpClient()));
  for (const client of started) cleanups.push(() => client.close());
  return started;
}

describe('UDP route limits', () => {
  it('a port in use is a problem of that route only: the rest runs, and it listens once the port is free', async () => {
    const a = await udpBackend('a');
    const { port: taken, release } = await takenUdpPort();
    cleanups.push(() => a.close());
    const events: SwitchyardEvent[] = [];
    const listener = (event: SwitchyardEvent) => events.push(event);
    core.events.on('event', listener);
    try {
      const blocked = await must(core.run('routes.create', { host: `udp://127.0.0.1:${taken}`, backends: [{ url: a.url }] }));
      expect((await must(core.run('status', {}))).problems).toEqual([
        {
          code: 'UDP_LISTEN_FAILED',
          message: `UDP route udp://127.0.0.1:${taken} takes no datagrams: port ${taken} on 127.0.0.1 is already in use by another program. Stop that program, or remove the route and add it again with another port.`,
        },
      ]);
      expect(events.some((e) => e.name === 'problems.changed' && e.payload.some((p) => p.code === 'UDP_LISTEN_FAILED'))).toBe(true);
      expect((await request(proxyPort(core), 'unknown.localhost')).status).toBe(404);
      const other = await udpRoute(core, [a.url]);
      const [c] = await clients(1);
      expect((await c!.ask(other.port, 'hi')).toString()).toBe('a:hi');

      // Freed, the port is bound at the next config change.
      await release();
      await must(core.run('backends.update', { id: blocked.backends[0]!.id, weight: 2 }));
      expect((await must(core.run('status', {}))).problems).toEqual([]);
      expect((await c!.ask(taken, 'now')).toString()).toBe('a:now');
    } finally {
      core.events.off('event', listener);
    }
  });

  it('a core whose UDP route cannot bind still starts', async () => {
    const dir = tempDir();
    cleanups.push(() => Promise.resolve(dir.remove()));
    const port = await freeUdpPort();
    const first = await startCore(dir.path);
    await must(first.run('routes.create', { host: `udp://127.0.0.1:${port}`, backends: [{ url: 'udp://127.0.0.1:5353' }] }));
    await first.stop();
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(port, '127.0.0.1', resolve));
    try {
      const second = await startCore(dir.path);
      try {
        expect((await must(second.run('status', {}))).problems.map((p) => p.code)).toEqual(['UDP_LISTEN_FAILED']);
        expect((await request(proxyPort(second), 'unknown.localhost')).status).toBe(404);
      } finally {
        await second.stop();
      }
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it.skipIf(process.getuid?.() === 0)('a port below 1024 without the rights is a problem that says what to do', async () => {
    const privileged = 53;
    await must(core.run('routes.create', { host: `udp://127.0.0.1:${privileged}`, backends: [{ url: 'udp://127.0.0.1:5353' }] }));
    expect((await must(core.run('status', {}))).problems).toEqual([
      {
        code: 'UDP_LISTEN_FAILED',
        message: `UDP route udp://127.0.0.1:${privileged} takes no datagrams: not allowed to listen on port ${privileged} (ports below 1024 need extra privileges). Remove the route and add it again with a port above 1023.`,
      },
    ]);
  });

  it('starts at most maxConnections sessions: datagrams that would start more are dropped, and a freed slot is taken', async () => {
    const a = await udpBackend('a');
    cleanups.push(() => a.close());
    const maxConnections = 3;
    const idleTimeoutMs = 1_000;
    const route = await udpRoute(core, [a.url], { maxConnections, idleTimeoutMs });
    const many = await clients(8);
    for (const client of many) client.send(route.port, 'hello');
    const replies = await Promise.all(many.map((client) => client.next(300)));
    expect(replies.filter((reply) => reply !== undefined)).toHaveLength(maxConnections);
    expect(a.received).toHaveLength(maxConnections);
    // A flood from one admitted client is one session, not more, and a new client is still turned away.
    const admitted = many[replies.findIndex((reply) => reply !== undefined)]!;
    for (let i = 0; i < 20; i++) admitted.send(route.port, `flood ${i}`);
    const [turnedAway] = await clients(1);
    turnedAway!.send(route.port, 'me too');
    expect(await turnedAway!.next(200)).toBeUndefined();
    const live = await must(core.run('backends.live', {}));
    expect(live.backends[route.backends[0]!.id]!).toMatchObject({ active: maxConnections, datagramsIn: maxConnections + 20 });
    // Once the sessions are idle and gone, a new client is served.
    await new Promise((resolve) => setTimeout(resolve, idleTimeoutMs + 200));
    const [late] = await clients(1);
    expect((await late!.ask(route.port, 'late')).toString()).toBe('a:late');
  });

  it('shares a port number with a TCP route: UDP and TCP ports are separate', async () => {
    const port = await freeBothPort();
    const udp = await udpBackend('u');
    const tcp = await tcpBackend('t');
    cleanups.push(() => udp.close(), () => tcp.close());
    await must(core.run('routes.create', { host: `udp://127.0.0.1:${port}`, backends: [{ url: udp.url }] }));
    await must(core.run('routes.create', { host: `tcp://127.0.0.1:${port}`, settings: { healthCheck: 'off' }, backends: [{ url: tcp.url }] }));
    expect((await must(core.run('status', {}))).problems).toEqual([]);
    const [c] = await clients(1);
    expect((await c!.ask(port, 'dgram')).toString()).toBe('u:dgram');
    const { name, client } = await greeted(port);
    expect(name).toBe('t');
    client.socket.destroy();
  });
});
