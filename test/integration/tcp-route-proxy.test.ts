import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { freePort, must, proxyPort, request, startCore, tempDir, withCleanCore } from '../helpers/core';
import { greeted, tcpBackend, tcpConnect, tcpRoute, type TcpBackend } from '../helpers/tcp';

// TCP routes relay bytes through their own listener, opened and closed with
// the config, balanced by the same balancer as HTTP routes.

const graceMs = 300;

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

async function backends(...names: string[]): Promise<TcpBackend[]> {
  const started = await Promise.all(names.map((name) => tcpBackend(name)));
  for (const backend of started) cleanups.push(() => backend.close());
  return started;
}

describe('TCP route', () => {
  it('listens as soon as it is added, relays both ways and stops accepting once removed', async () => {
    const [a] = await backends('a');
    const route = await tcpRoute(core, [a!.url]);
    const { name, client } = await greeted(route.port);
    expect(name).toBe('a');
    client.socket.write('ping over tcp');
    await client.waitFor('ping over tcp');
    expect(core.engine.listeners()).toContainEqual({ kind: 'tcp', address: '127.0.0.1', port: route.port, routeId: route.id });
    // The HTTP listener is unaffected and still first.
    expect((await request(proxyPort(core), 'nothing.localhost')).status).toBe(404);

    await must(core.run('routes.delete', { id: route.id }));
    await expect(tcpConnect(route.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // The connection opened before goes on until it ends.
    client.socket.write('still here');
    await client.waitFor('still here');
    client.socket.end();
    await client.closed;
    expect(core.engine.listeners().some((l) => l.kind === 'tcp')).toBe(false);
  });

  it('moves to a new address without a restart: the old one stops accepting, the new one listens', async () => {
    const [a] = await backends('a');
    const route = await tcpRoute(core, [a!.url]);
    const held = await greeted(route.port);
    const newPort = await freePort();
    await must(core.run('routes.update', { id: route.id, host: `tcp://127.0.0.1:${newPort}` }));
    await expect(tcpConnect(route.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect((await greeted(newPort)).name).toBe('a');
    held.client.socket.write('moved');
    await held.client.waitFor('moved');
    held.client.socket.destroy();
  });

  it('a stopping core cuts TCP connections still open at the end of its grace', async () => {
    const dir = tempDir();
    const [a] = await backends('a');
    const own = await startCore(dir.path);
    try {
      const route = await tcpRoute(own, [a!.url]);
      const held = await greeted(route.port);
      const started = Date.now();
      await own.engine.close(graceMs);
      const { received } = await held.client.closed;
      expect(received).toBe('a\n');
      expect(Date.now() - started).toBeGreaterThanOrEqual(graceMs - 50);
      expect(Date.now() - started).toBeLessThan(graceMs * 4);
    } finally {
      await own.stop();
      dir.remove();
    }
  });

  it('balances round-robin across backends', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await tcpRoute(core, [a!.url, b!.url]);
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { name, client } = await greeted(route.port);
      names.push(name);
      client.socket.destroy();
    }
    expect(names).toEqual(['a', 'b', 'a', 'b']);
  });

  it('least-connections counts open connections: a backend holding long-lived ones gets no new one', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await tcpRoute(core, [a!.url, b!.url], {}, 'least-connections');
    const first = await greeted(route.port);
    const second = await greeted(route.port);
    const third = await greeted(route.port);
    expect([first.name, second.name, third.name]).toEqual(['a', 'b', 'a']);
    // b's connection ends: a holds two, b none, so b takes the next two
    // (round-robin would send the second of them to a).
    second.client.socket.end();
    await second.client.closed;
    await waitUntil(() => b!.open.size === 0);
    const fourth = await greeted(route.port);
    const fifth = await greeted(route.port);
    expect([fourth.name, fifth.name]).toEqual(['b', 'b']);
    const live = await must(core.run('backends.live', {}));
    expect(live.backends[route.backends[0]!.id]!.active).toBe(2);
    expect(live.backends[route.backends[1]!.id]!.active).toBe(2);
    for (const c of [first, third, fourth, fifth]) c.client.socket.destroy();
  });

  it('ip-hash and consistent-hash keep one client address on one backend', async () => {
    const [a, b, c] = await backends('a', 'b', 'c');
    for (const algorithm of ['ip-hash', 'consistent-hash']) {
      const route = await tcpRoute(core, [a!.url, b!.url, c!.url], {}, algorithm);
      const names = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const { name, client } = await greeted(route.port);
        names.add(name);
        client.socket.destroy();
      }
      expect(names.size, algorithm).toBe(1);
    }
  });

  it('counts bytes each way per backend', async () => {
    const [a] = await backends('a');
    const route = await tcpRoute(core, [a!.url]);
    const { client } = await greeted(route.port);
    client.socket.write('x'.repeat(1000));
    await client.waitFor('x'.repeat(1000));
    client.socket.end();
    await client.closed;
    await waitUntil(async () => (await must(core.run('backends.live', {}))).backends[route.backends[0]!.id]!.bytesIn === 1000);
    const stats = (await must(core.run('backends.live', {}))).backends[route.backends[0]!.id]!;
    // The greeting ("a\n") and the echo came back.
    expect({ bytesIn: stats.bytesIn, bytesOut: stats.bytesOut, served: stats.served, active: stats.active }).toEqual({ bytesIn: 1000, bytesOut: 1002, served: 1, active: 0 });
  });

  it('a client that resets, or a backend that resets, stops nothing', async () => {
    const resetter = await tcpBackend('resetter', (socket) => socket.once('data', () => socket.resetAndDestroy()));
    cleanups.push(() => resetter.close());
    const [a] = await backends('a');
    const resets = await tcpRoute(core, [resetter.url]);
    const client = await tcpConnect(resets.port);
    client.socket.write('hello');
    expect((await client.closed).error).toBe('ECONNRESET');

    const echo = await tcpRoute(core, [a!.url]);
    const rude = net.connect({ host: '127.0.0.1', port: echo.port });
    rude.on('error', () => {});
    await new Promise((resolve) => rude.once('connect', resolve));
    rude.resetAndDestroy();
    const { name } = await greeted(echo.port);
    expect(name).toBe('a');
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
