import { beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { formatRecord } from '../../src/main/headless/cli-format';
import type { TrafficRecord } from '../../src/shared/traffic';
import { must, withCleanCore } from '../helpers/core';
import { freeUdpPort, udpBackend, udpClient, udpRoute } from '../helpers/udp';

// A UDP route's sessions in the traffic record: one record per session at
// its end, with its backend, each backend it tried (a closed port as UF),
// bytes each way over the session, and how it ended.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

/** The route's records once `count` have been written (a record is written when its session ends). */
async function recordsOf(routeId: number, count: number, timeoutMs = 3_000): Promise<TrafficRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { records } = await must(core.run('traffic.list', { routeId }));
    if (records.length >= count) return records;
    if (Date.now() > deadline) throw new Error(`${records.length} records of route ${routeId}, not ${count}: ${JSON.stringify(records)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function setUp(settings: Record<string, unknown>, backendUrls?: string[]) {
  const echo = await udpBackend('e');
  const client = await udpClient();
  cleanups.push(() => echo.close(), () => client.close());
  const route = await udpRoute(core, backendUrls ?? [echo.url], settings);
  return { echo, client, route };
}

describe('UDP route records', () => {
  beforeEach(async () => {
    await must(core.run('traffic.clear', {}));
  });

  it('a session ended by its replies (udpResponses) has its backend, bytes each way and time to the first reply', async () => {
    const { echo, client, route } = await setUp({ udpResponses: 1 });
    await client.ask(route.port, 'x'.repeat(100));
    const [record] = await recordsOf(route.id, 1);
    expect(record).toMatchObject({
      kind: 'udp',
      protocol: 'udp',
      route: route.host,
      client: '127.0.0.1',
      status: 0,
      flags: [],
      backend: echo.url,
      backendId: route.backends[0]!.id,
      end: 'replies-received',
      // "e:" and the datagram back.
      bytesIn: 100,
      bytesOut: 102,
    });
    expect(record!.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(formatRecord(record!)).toContain(`UDP ${route.host} replies-received`);
  });

  it('a silent session ends by idle timeout; with a reply owed, its attempt failed as UT', async () => {
    const quiet = await udpBackend('quiet', () => {});
    cleanups.push(() => quiet.close());
    const { client, route } = await setUp({ idleTimeoutMs: 150, udpResponses: 1 }, [quiet.url]);
    client.send(route.port, 'hello?');
    const [record] = await recordsOf(route.id, 1);
    expect(record).toMatchObject({ end: 'idle-timeout', flags: ['UT'], bytesIn: 6, bytesOut: 0 });
    expect(record!.attempts[0]!.failure).toMatchObject({ kind: 'timeout', message: 'no reply within 150 ms (idleTimeoutMs).' });
  });

  it('a session moved off a closed port shows the UF attempt, then the backend that answered', async () => {
    const b = await udpBackend('b');
    cleanups.push(() => b.close());
    const closed = `udp://127.0.0.1:${await freeUdpPort()}`;
    const { client, route } = await setUp({ udpResponses: 1 }, [closed, b.url]);
    client.send(route.port, 'lost');
    expect(await client.next(100)).toBeUndefined();
    await client.ask(route.port, 'retry');
    const [record] = await recordsOf(route.id, 1);
    expect(record).toMatchObject({ backend: b.url, end: 'replies-received', bytesIn: 4 + 5, bytesOut: 7 });
    expect(record!.attempts.map((a) => [a.url, a.failure?.flag ?? null])).toEqual([
      [closed, 'UF'],
      [b.url, null],
    ]);
  });

  it('a session whose backend is switched off ends as such; a route with no backend records the drop', async () => {
    const { client, route } = await setUp({});
    await client.ask(route.port, 'one');
    await must(core.run('backends.setEnabled', { id: route.backends[0]!.id, enabled: false }));
    const [off] = await recordsOf(route.id, 1);
    expect(off).toMatchObject({ end: 'backend-off', bytesIn: 3, bytesOut: 5 });
    client.send(route.port, 'nobody');
    const records = await recordsOf(route.id, 2);
    expect(records[1]).toMatchObject({ end: 'no-backend', flags: ['UH'], backend: null });
  });
});
