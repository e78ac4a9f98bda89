import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { BackendStats } from '../../src/shared/events';
import { must, withCleanCore } from '../helpers/core';
import { freeUdpPort, udpBackend, udpClient, udpRoute } from '../helpers/udp';

// Active checks of a UDP route's backends: a probe datagram (healthSend)
// and, when set, the text the reply must contain (healthExpect). Without a
// probe a UDP backend is not checked, and status says so instead of "up".

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const checks = { healthCheck: 'udp', healthSend: 'ping', healthIntervalMs: 100, healthTimeoutMs: 200, healthRise: 1, healthFall: 1 };

async function statusOf(backendId: number, want: (stats: BackendStats) => boolean): Promise<BackendStats> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const stats = (await must(core.run('backends.live', {}))).backends[backendId]!;
    if (want(stats)) return stats;
    if (Date.now() > deadline) throw new Error(`backend ${backendId} is ${JSON.stringify(stats)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('UDP route health checks', () => {
  it('without a probe says the backends are not checked, and sends them nothing', async () => {
    const a = await udpBackend('a');
    cleanups.push(() => a.close());
    const route = await udpRoute(core, [a.url]);
    const stats = await statusOf(route.backends[0]!.id, () => true);
    expect(stats.status).toBe('unknown');
    expect(stats.reason).toMatch(/^Not checked: UDP has no connection to test/);
    expect(a.received).toEqual([]);
  });

  it('probes with healthSend: up when the reply has healthExpect, down when it lacks it, when nothing answers, or the port is closed', async () => {
    const pong = await udpBackend('pong', (datagram, reply) => reply(datagram.toString() === 'ping' ? 'PONG ok' : 'what?'));
    const wrong = await udpBackend('wrong', (_datagram, reply) => reply('go away'));
    const silent = await udpBackend('silent', () => {});
    cleanups.push(() => pong.close(), () => wrong.close(), () => silent.close());
    const closed = `udp://127.0.0.1:${await freeUdpPort()}`;
    // Three of four down is panic by default (all would take traffic); this test wants the check's verdict to route.
    const route = await udpRoute(core, [pong.url, wrong.url, silent.url, closed], { ...checks, healthExpect: 'PONG', panicThresholdPercent: 0 });
    const [up, lacking, quiet, refused] = route.backends.map((backend) => backend.id);
    expect(await statusOf(up!, (s) => s.status !== 'unknown')).toMatchObject({ status: 'healthy', lastCheck: expect.objectContaining({ detail: 'replied with "PONG"' }) });
    expect((await statusOf(lacking!, (s) => s.status !== 'unknown')).lastCheck?.detail).toBe('the reply lacks "PONG"');
    expect((await statusOf(quiet!, (s) => s.status !== 'unknown')).lastCheck?.detail).toBe('no reply within 200 ms');
    expect((await statusOf(refused!, (s) => s.status !== 'unknown')).lastCheck?.detail).toMatch(/^ICMP port unreachable from 127\.0\.0\.1:\d+$/);
    for (const id of [lacking, quiet, refused]) expect((await statusOf(id!, () => true)).status).toBe('unhealthy');
    expect(pong.received[0]).toMatchObject({ text: 'ping' });
    // Traffic goes only to the healthy one.
    for (let i = 0; i < 3; i++) {
      const client = await udpClient();
      cleanups.push(() => client.close());
      expect((await client.ask(route.port, 'ping')).toString()).toBe('PONG ok');
    }
  });

  it('without healthExpect passes a backend that stays silent and fails only a closed port (nginx UDP health_check without match)', async () => {
    const silent = await udpBackend('silent', () => {});
    cleanups.push(() => silent.close());
    const closed = `udp://127.0.0.1:${await freeUdpPort()}`;
    const route = await udpRoute(core, [silent.url, closed], checks);
    const [quiet, refused] = route.backends.map((backend) => backend.id);
    expect(await statusOf(quiet!, (s) => s.status !== 'unknown')).toMatchObject({ status: 'healthy', lastCheck: expect.objectContaining({ detail: 'sent; no ICMP port unreachable (no reply expected)' }) });
    expect((await statusOf(refused!, (s) => s.status !== 'unknown')).status).toBe('unhealthy');
  });

  it('refuses checks a UDP route cannot do, and UDP-only settings elsewhere', async () => {
    const refusal = async (input: unknown) => {
      const answer = await core.run('routes.create', input);
      if (answer.ok) throw new Error('accepted');
      return answer.error;
    };
    const host = `udp://127.0.0.1:${await freeUdpPort()}`;
    expect(await refusal({ host, settings: { healthCheck: 'tcp' } })).toMatchObject({ field: 'settings.healthCheck', message: expect.stringMatching(/^A UDP route checks its backends with a probe datagram/) });
    expect(await refusal({ host, settings: { retries: 1 } })).toMatchObject({ field: 'settings.retries', message: 'retries applies to connections: UDP has none to make. Leave it out.' });
    expect(await refusal({ host, settings: { compression: true } })).toMatchObject({ field: 'settings.compression' });
    expect(await refusal({ host, path: '/dns' })).toMatchObject({ field: 'path', message: 'A UDP route has no path prefix (/dns): it takes every datagram to its address.' });
    expect(await refusal({ host, backends: [{ url: 'tcp://127.0.0.1:53' }] })).toMatchObject({
      field: 'backends.0.url',
      message: "A UDP route's backends are udp:// URLs, for example udp://127.0.0.1:5353; tcp://127.0.0.1:53 is not one.",
    });
    expect(await refusal({ host: 'api.localhost', settings: { udpResponses: 1 } })).toMatchObject({ field: 'settings.udpResponses' });
    expect(await refusal({ host: 'api.localhost', settings: { healthCheck: 'udp' } })).toMatchObject({ field: 'settings.healthCheck' });
    expect(await refusal({ host: 'api.localhost', backends: [{ url: 'udp://127.0.0.1:53' }] })).toMatchObject({
      message: "An HTTP route's backends are http:// or https:// URLs; udp://127.0.0.1:53 belongs behind a UDP route (switchyard route add udp://127.0.0.1:PORT --backend udp://127.0.0.1:53).",
    });
    expect(await refusal({ host: `tcp://127.0.0.1:${await freeUdpPort()}`, settings: { healthCheck: 'udp' } })).toMatchObject({ field: 'settings.healthCheck' });
  });
});
