import { beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { accessLogEntry } from '../../src/main/core/traffic/access-log';
import { formatRecord } from '../../src/main/headless/cli-format';
import type { TrafficRecord } from '../../src/shared/traffic';
import { freePort, must, withCleanCore } from '../helpers/core';
import { tcpBackend, tcpConnect, tcpRoute, type TcpBackend } from '../helpers/tcp';

// A TCP route's connections in the traffic record: one record per
// connection at its end, with the backend and why, each attempt (a refused
// connect as UF, as HTTP attempts), bytes each way, and how it ended.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

async function backend(name: string, onConnection?: Parameters<typeof tcpBackend>[1]): Promise<TcpBackend> {
  const started = await tcpBackend(name, onConnection);
  cleanups.push(() => started.close());
  return started;
}

/** The route's records once `count` have been written (a record is written when both sockets have closed). */
async function recordsOf(routeId: number, count: number, timeoutMs = 3_000): Promise<TrafficRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { records } = await must(core.run('traffic.list', { routeId }));
    if (records.length >= count) return records;
    if (Date.now() > deadline) throw new Error(`${records.length} records of route ${routeId}, not ${count}: ${JSON.stringify(records)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('TCP route records', () => {
  // The core and its ring outlive each test, and route ids are reused: start each from an empty record.
  beforeEach(async () => {
    await must(core.run('traffic.clear', {}));
  });

  it('a relayed connection has its bytes each way, its backend and why, and the client closing it', async () => {
    const echo = await backend('echo');
    const route = await tcpRoute(core, [echo.url]);
    const client = await tcpConnect(route.port);
    await client.waitFor('echo\n');
    client.socket.write('x'.repeat(1000));
    await client.waitFor('x'.repeat(1000));
    client.socket.end();
    await client.closed;
    const [record] = await recordsOf(route.id, 1);
    expect(record).toMatchObject({
      kind: 'tcp',
      protocol: 'tcp',
      route: route.host,
      host: route.host,
      client: '127.0.0.1',
      status: 0,
      flags: [],
      backend: echo.url,
      backendId: route.backends[0]!.id,
      end: 'client-closed',
      // Client → backend: the 1000 bytes; back: the greeting and the echo.
      bytesIn: 1000,
      bytesOut: 'echo\n'.length + 1000,
    });
    expect(record!.attempts).toHaveLength(1);
    expect(record!.attempts[0]!.why).toBe(`round-robin: ${echo.url.slice('tcp://'.length)}, next in turn of 1`);
    expect(record!.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(record!.totalMs).toBeGreaterThanOrEqual(record!.ttfbMs!);
    // `switchyard logs` reads it as a connection, and the access log says how it ended.
    expect(formatRecord(record!)).toMatch(new RegExp(`^\\S+ 127\\.0\\.0\\.1 TCP ${route.host} client-closed [\\d.]+ms - → ${echo.url} 1000 B up, 1005 B down$`));
    expect(accessLogEntry(record!)).toMatchObject({ kind: 'tcp', end: 'client-closed', bytes_read: 1000, size: 1005, backend: echo.url });
  });

  it('a backend that closes first is "backend closed"', async () => {
    const hangUp = await backend('bye', (socket) => socket.end('bye\n'));
    const route = await tcpRoute(core, [hangUp.url]);
    const client = await tcpConnect(route.port);
    expect((await client.closed).received).toBe('bye\n');
    const [record] = await recordsOf(route.id, 1);
    expect({ end: record!.end, bytesOut: record!.bytesOut, flags: record!.flags }).toEqual({ end: 'backend-closed', bytesOut: 4, flags: [] });
  });

  it('a backend reset is "backend reset" with UC', async () => {
    const resetting = await backend('rst', (socket) => setTimeout(() => socket.resetAndDestroy(), 20));
    const route = await tcpRoute(core, [resetting.url]);
    const client = await tcpConnect(route.port);
    await client.closed;
    const [record] = await recordsOf(route.id, 1);
    expect({ end: record!.end, flags: record!.flags }).toEqual({ end: 'backend-reset', flags: ['UC'] });
  });

  it('a refused connect shows as a UF attempt, then the attempt that connected', async () => {
    const good = await backend('good');
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const route = await tcpRoute(core, [dead, good.url]);
    const client = await tcpConnect(route.port);
    await client.waitFor('good\n');
    client.socket.end();
    await client.closed;
    const [record] = await recordsOf(route.id, 1);
    expect(record!.attempts.map((a) => ({ url: a.url, flag: a.failure?.flag ?? null, kind: a.failure?.kind ?? null }))).toEqual([
      { url: dead, flag: 'UF', kind: 'refused' },
      { url: good.url, flag: null, kind: null },
    ]);
    expect(record!.attempts[1]!.why).toMatch(new RegExp(`^retry 1 after ${dead.slice('tcp://'.length)} failed \\(UF\\)`));
    // A retry that connected leaves the connection itself unflagged, as an HTTP exchange's.
    expect({ flags: record!.flags, backend: record!.backend, end: record!.end }).toEqual({ flags: [], backend: good.url, end: 'client-closed' });
  });

  it('every connect refused: "connect failed" with UF and URX', async () => {
    const dead = [`tcp://127.0.0.1:${await freePort()}`, `tcp://127.0.0.1:${await freePort()}`];
    const route = await tcpRoute(core, dead);
    const client = await tcpConnect(route.port);
    await client.closed;
    const [record] = await recordsOf(route.id, 1);
    expect({ end: record!.end, flags: record!.flags, attempts: record!.attempts.length, bytesIn: record!.bytesIn }).toEqual({
      end: 'connect-failed',
      flags: ['UF', 'URX'],
      attempts: 2,
      bytesIn: 0,
    });
  });

  it('silence for the idle timeout is "idle timeout"', async () => {
    const quiet = await backend('quiet', () => {});
    const route = await tcpRoute(core, [quiet.url], { idleTimeoutMs: 150 });
    const client = await tcpConnect(route.port);
    await client.closed;
    const [record] = await recordsOf(route.id, 1);
    expect({ end: record!.end, flags: record!.flags }).toEqual({ end: 'idle-timeout', flags: [] });
    expect(record!.totalMs).toBeGreaterThanOrEqual(150);
  });

  it('no backend switched on: "no backend" with UH', async () => {
    const route = await tcpRoute(core, []);
    const client = await tcpConnect(route.port);
    await client.closed;
    const [record] = await recordsOf(route.id, 1);
    expect({ end: record!.end, flags: record!.flags, attempts: record!.attempts, backend: record!.backend }).toEqual({ end: 'no-backend', flags: ['UH'], attempts: [], backend: null });
  });

  it('a connection over maxConnections is recorded as refused for it', async () => {
    const quiet = await backend('quiet', () => {});
    const route = await tcpRoute(core, [quiet.url], { maxConnections: 1 });
    const first = await tcpConnect(route.port);
    // The first is relayed (the backend has it) before the second arrives.
    for (let i = 0; i < 100 && quiet.open.size === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await tcpConnect(route.port);
    await second.closed;
    const [record] = await recordsOf(route.id, 1);
    expect({ end: record!.end, attempts: record!.attempts, client: record!.client }).toEqual({ end: 'max-connections', attempts: [], client: '127.0.0.1' });
    first.socket.resetAndDestroy();
    const records = await recordsOf(route.id, 2);
    expect(records[1]!.end).toBe('client-reset');
  });
});
