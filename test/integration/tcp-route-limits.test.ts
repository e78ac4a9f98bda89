import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { SwitchyardEvent } from '../../src/shared/events';
import { freePort, must, proxyPort, request, startCore, tempDir, withCleanCore } from '../helpers/core';
import { greeted, tcpBackend, tcpConnect, tcpRoute, type TcpBackend } from '../helpers/tcp';

// What bounds a TCP route: its connection limit, idle and connect timeouts,
// and a port it cannot have, which is reported and stops nothing else.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

async function backends(...names: string[]): Promise<TcpBackend[]> {
  const started = await Promise.all(names.map((name) => tcpBackend(name)));
  for (const backend of started) cleanups.push(() => backend.close());
  return started;
}

/** A port something else holds for the test's length. */
async function takenPort(): Promise<number> {
  const squatter = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
  return (squatter.address() as net.AddressInfo).port;
}

/**
 * A loopback listener whose accept queue is full, so a new connect gets no
 * answer: Python's listen(0) never accepting, with the queue filled by us.
 */
async function unansweringBackend(): Promise<{ url: string; stop: () => void }> {
  const child: ChildProcess = spawn(
    'python3',
    ['-c', "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)"],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  cleanups.push(() => Promise.resolve(stop()));
  const port = Number(await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
  // Two connections fill a backlog of 0 (Linux queues backlog + 1); later SYNs are dropped.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  cleanups.push(() => Promise.resolve(fillers.forEach((s) => s.destroy())));
  return { url: `tcp://127.0.0.1:${port}`, stop };
}

describe('TCP route limits', () => {
  it('closes connections beyond maxConnections at once, and takes new ones when others end', async () => {
    const [a] = await backends('a');
    const route = await tcpRoute(core, [a!.url], { maxConnections: 2 });
    const first = await greeted(route.port);
    const second = await greeted(route.port);
    const refused = await tcpConnect(route.port);
    expect((await refused.closed).received).toBe('');
    // The two held ones still relay.
    second.client.socket.write('second still works');
    await second.client.waitFor('second still works');
    first.client.socket.destroy();
    await first.client.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const third = await greeted(route.port);
    expect(third.name).toBe('a');
    second.client.socket.destroy();
    third.client.socket.destroy();
  });

  it('a connection silent for idleTimeoutMs is closed; one that talks stays', async () => {
    const [a] = await backends('a');
    const idleMs = 300;
    const route = await tcpRoute(core, [a!.url], { idleTimeoutMs: idleMs });
    const silent = await greeted(route.port);
    const talking = await greeted(route.port);
    const started = Date.now();
    const timer = setInterval(() => talking.client.socket.write('.'), idleMs / 3);
    await silent.client.closed;
    const silentFor = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    clearInterval(timer);
    expect(silentFor).toBeGreaterThanOrEqual(idleMs - 50);
    expect(silentFor).toBeLessThan(idleMs * 4);
    expect(talking.client.socket.destroyed).toBe(false);
    talking.client.socket.destroy();
  });

  it('a connect that gets no answer times out at connectTimeoutMs and goes to the next backend', async () => {
    const [b] = await backends('b');
    const silent = await unansweringBackend();
    const connectTimeoutMs = 300;
    const route = await tcpRoute(core, [silent.url, b!.url], { connectTimeoutMs });
    const started = Date.now();
    const { name, client } = await greeted(route.port);
    const tookMs = Date.now() - started;
    expect(name).toBe('b');
    expect(tookMs).toBeGreaterThanOrEqual(connectTimeoutMs - 50);
    client.socket.destroy();
    const stats = (await must(core.run('backends.live', {}))).backends[route.backends[0]!.id]!;
    expect({ failures: stats.failures, retries: stats.retries }).toEqual({ failures: 1, retries: 1 });
  });

  it('a port in use is a problem of that route only: the rest runs, and it listens once the port is free', async () => {
    const [a] = await backends('a');
    const taken = await takenPort();
    const events: SwitchyardEvent[] = [];
    const listener = (event: SwitchyardEvent) => events.push(event);
    core.events.on('event', listener);
    try {
      const blocked = await must(core.run('routes.create', { host: `tcp://127.0.0.1:${taken}`, settings: { healthCheck: 'off' }, backends: [{ url: a!.url }] }));
      const status = await must(core.run('status', {}));
      expect(status.problems).toEqual([
        {
          code: 'TCP_LISTEN_FAILED',
          message: `TCP route tcp://127.0.0.1:${taken} takes no connections: port ${taken} on 127.0.0.1 is already in use by another program. Stop that program, or remove the route and add it again with another port.`,
        },
      ]);
      expect(events.some((e) => e.name === 'problems.changed' && e.payload.some((p) => p.code === 'TCP_LISTEN_FAILED'))).toBe(true);
      // HTTP and other TCP routes carry on.
      expect((await request(proxyPort(core), 'unknown.localhost')).status).toBe(404);
      const other = await tcpRoute(core, [a!.url]);
      expect((await greeted(other.port)).name).toBe('a');

      // Freed, the port is taken at the next config change.
      await cleanups.pop()!();
      await must(core.run('backends.update', { id: blocked.backends[0]!.id, weight: 2 }));
      expect((await must(core.run('status', {}))).problems).toEqual([]);
      expect((await greeted(taken)).name).toBe('a');
    } finally {
      core.events.off('event', listener);
    }
  });

  it('a core whose TCP route cannot listen still starts', async () => {
    const dir = tempDir();
    cleanups.push(() => Promise.resolve(dir.remove()));
    const [a] = await backends('a');
    const port = await freePort();
    const first = await startCore(dir.path);
    await must(first.run('routes.create', { host: `tcp://127.0.0.1:${port}`, settings: { healthCheck: 'off' }, backends: [{ url: a!.url }] }));
    await first.stop();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const second = await startCore(dir.path);
      try {
        const status = await must(second.run('status', {}));
        expect(status.problems.map((p) => p.code)).toEqual(['TCP_LISTEN_FAILED']);
        expect((await request(proxyPort(second), 'unknown.localhost')).status).toBe(404);
      } finally {
        await second.stop();
      }
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
