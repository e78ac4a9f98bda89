import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, withCleanCore } from '../helpers/core';
import { udpBackend, udpClient, udpRoute } from '../helpers/udp';

// A UDP session ends after the route's idle timeout with no datagram either
// way (nginx's proxy_timeout): its upstream socket closes, its backend's
// count drops, and the client's next datagram starts a new session.

const idleTimeoutMs = 300;
/** Timers fire late on a loaded machine; the session must still be gone well before this. */
const slackMs = 700;

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function activeSessions(backendId: number): Promise<number> {
  return (await must(core.run('backends.live', {}))).backends[backendId]!.active;
}

async function waitForActive(backendId: number, count: number, withinMs: number): Promise<number> {
  const started = Date.now();
  while ((await activeSessions(backendId)) !== count) {
    if (Date.now() - started > withinMs) throw new Error(`still ${await activeSessions(backendId)} sessions after ${withinMs} ms`);
    await pause(10);
  }
  return Date.now() - started;
}

describe('UDP session idle timeout', () => {
  it('ends a silent session after idleTimeoutMs, and the next datagram starts a new one', async () => {
    const a = await udpBackend('a');
    const client = await udpClient();
    cleanups.push(() => a.close(), () => client.close());
    const route = await udpRoute(core, [a.url], { idleTimeoutMs });
    const id = route.backends[0]!.id;
    await client.ask(route.port, 'first');
    const repliedAt = Date.now();
    expect(await activeSessions(id)).toBe(1);
    await waitForActive(id, 0, idleTimeoutMs + slackMs);
    expect(Date.now() - repliedAt).toBeGreaterThanOrEqual(idleTimeoutMs - 20);

    await client.ask(route.port, 'second');
    expect(await activeSessions(id)).toBe(1);
    // Two sessions, two upstream sockets: the backend saw two source ports.
    expect(new Set(a.received.map((r) => r.from)).size).toBe(2);
    expect((await must(core.run('backends.live', {}))).routes[route.id]!.requests).toBe(2);
  });

  it('client datagrams keep a session alive: a client streaming to a silent backend', async () => {
    // It answers only a datagram that asks for an answer.
    const sink = await udpBackend('sink', (datagram, reply) => {
      if (datagram.toString() === 'done?') reply('yes');
    });
    const client = await udpClient();
    cleanups.push(() => sink.close(), () => client.close());
    const route = await udpRoute(core, [sink.url], { idleTimeoutMs });
    for (let i = 0; i < 6; i++) {
      client.send(route.port, `tick ${i}`);
      await pause(idleTimeoutMs / 3);
    }
    expect((await client.ask(route.port, 'done?')).toString()).toBe('yes');
    // Twice the timeout of datagrams, one every third of it, no reply until the end: one session throughout.
    expect(sink.received).toHaveLength(7);
    expect(new Set(sink.received.map((r) => r.from)).size).toBe(1);
  });

  it('replies keep a session alive too: a backend streaming to a silent client', async () => {
    const ticks = 6;
    const streamer = await udpBackend('s', (_datagram, reply) => {
      for (let i = 1; i <= ticks; i++) setTimeout(() => reply(`tick ${i}`), (i * idleTimeoutMs) / 3);
    });
    const client = await udpClient();
    cleanups.push(() => streamer.close(), () => client.close());
    const route = await udpRoute(core, [streamer.url], { idleTimeoutMs });
    client.send(route.port, 'subscribe');
    const got = [];
    for (let i = 0; i < ticks; i++) got.push((await client.next())?.toString());
    expect(got).toEqual(Array.from({ length: ticks }, (_, i) => `tick ${i + 1}`));
  });
});
