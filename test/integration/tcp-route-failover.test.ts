import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { freePort, must, withCleanCore } from '../helpers/core';
import { greeted, tcpBackend, tcpConnect, tcpRoute, type TcpBackend } from '../helpers/tcp';

// A TCP route's connect failures go to another backend before the client
// sees anything, count for passive ejection, and active checks, switches
// and drains work as for HTTP routes.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

async function backends(...names: string[]): Promise<TcpBackend[]> {
  const started = await Promise.all(names.map((name) => tcpBackend(name)));
  for (const backend of started) cleanups.push(() => backend.close());
  return started;
}

async function backendStatus(backendId: number) {
  return (await must(core.run('backends.live', {}))).backends[backendId]!;
}

async function waitForStatus(backendId: number, status: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await backendStatus(backendId);
    if (stats.status === status) return stats;
    if (Date.now() > deadline) throw new Error(`backend ${backendId} is ${stats.status} (${stats.reason}), not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('TCP route failover', () => {
  it('a refused connect is retried on another backend before the client sees anything, and ejects the backend', async () => {
    const [b] = await backends('b');
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const route = await tcpRoute(core, [dead, b!.url], { ejectAfter: 2 });
    for (let i = 0; i < 4; i++) {
      const { name, client } = await greeted(route.port);
      expect(name).toBe('b');
      client.socket.destroy();
    }
    const deadStats = await backendStatus(route.backends[0]!.id);
    expect({ status: deadStats.status, failures: deadStats.failures, retries: deadStats.retries }).toEqual({ status: 'ejected', failures: 2, retries: 2 });
    expect(deadStats.reason).toContain('connection refused');
  });

  it('with no retries left the client is closed without a byte', async () => {
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const route = await tcpRoute(core, [dead], { retries: 0 });
    const client = await tcpConnect(route.port);
    expect((await client.closed).received).toBe('');
  });

  it('with no other backend to try, the failure is not counted as retried', async () => {
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const route = await tcpRoute(core, [dead], { retries: 2 });
    const client = await tcpConnect(route.port);
    expect((await client.closed).received).toBe('');
    const stats = await backendStatus(route.backends[0]!.id);
    expect({ failures: stats.failures, retries: stats.retries }).toEqual({ failures: 1, retries: 0 });
  });

  it('active TCP checks run for TCP backends and take a dead one out', async () => {
    const [a] = await backends('a');
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const route = await tcpRoute(core, [a!.url, dead], { healthCheck: 'tcp', healthIntervalMs: 100, healthRise: 1, healthFall: 1, retries: 0 });
    await waitForStatus(route.backends[0]!.id, 'healthy');
    expect((await waitForStatus(route.backends[1]!.id, 'unhealthy')).reason).toContain('ECONNREFUSED');
    // With retries off, only the checks keep connections off the dead backend.
    for (let i = 0; i < 3; i++) {
      const { name, client } = await greeted(route.port);
      expect(name).toBe('a');
      client.socket.destroy();
    }
  });

  it('a disabled backend gets no new connections', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await tcpRoute(core, [a!.url, b!.url]);
    await must(core.run('backends.setEnabled', { id: route.backends[0]!.id, enabled: false }));
    for (let i = 0; i < 3; i++) {
      const { name, client } = await greeted(route.port);
      expect(name).toBe('b');
      client.socket.destroy();
    }
  });

  it('a draining backend keeps its open connections, takes no new ones, and is drained when they end', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await tcpRoute(core, [a!.url, b!.url]);
    const held = await greeted(route.port);
    expect(held.name).toBe('a');
    const aId = route.backends[0]!.id;
    await must(core.run('backends.drain', { id: aId }));
    expect((await backendStatus(aId)).status).toBe('draining');
    for (let i = 0; i < 2; i++) {
      const { name, client } = await greeted(route.port);
      expect(name).toBe('b');
      client.socket.destroy();
    }
    held.client.socket.write('still relayed');
    await held.client.waitFor('still relayed');
    held.client.socket.end();
    await held.client.closed;
    await waitForStatus(aId, 'drained');
    const timeline = await must(core.run('timeline.list', { routeId: route.id }));
    expect(timeline.some((entry) => entry.kind === 'drained')).toBe(true);
  });
});
