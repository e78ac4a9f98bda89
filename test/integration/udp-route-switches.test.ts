import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { SwitchyardEvent } from '../../src/shared/events';
import { must, withCleanCore } from '../helpers/core';
import { udpBackend, udpClient, udpRoute, type UdpBackend, type UdpClient } from '../helpers/udp';

// Switching a UDP route's backend off ends its sessions at once: their
// clients' next datagrams start sessions on the other backends. Draining
// takes no new sessions but lets open ones run until they end, then
// reports the backend drained, as for HTTP requests and TCP connections.

const idleTimeoutMs = 300;

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

async function backends(...names: string[]): Promise<UdpBackend[]> {
  const started = await Promise.all(names.map((name) => udpBackend(name)));
  for (const backend of started) cleanups.push(() => backend.close());
  return started;
}

async function client(): Promise<UdpClient> {
  const started = await udpClient();
  cleanups.push(() => started.close());
  return started;
}

async function live(backendId: number) {
  return (await must(core.run('backends.live', {}))).backends[backendId]!;
}

const answeredBy = (reply: Buffer) => reply.toString().split(':')[0];

describe('UDP route backend switches', () => {
  it('disable ends the sessions on that backend: the next datagram goes elsewhere; enable takes new ones again', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await udpRoute(core, [a!.url, b!.url]);
    const [onA, onB] = route.backends;
    const c = await client();
    expect(answeredBy(await c.ask(route.port, 'one'))).toBe('a');
    await must(core.run('backends.setEnabled', { id: onA!.id, enabled: false }));
    expect((await live(onA!.id)).active).toBe(0);
    expect(answeredBy(await c.ask(route.port, 'two'))).toBe('b');
    expect(answeredBy(await c.ask(route.port, 'three'))).toBe('b');
    expect(a!.received.map((r) => r.text)).toEqual(['one']);

    await must(core.run('backends.setEnabled', { id: onA!.id, enabled: true }));
    // c's session stays on b; a new client's session may go to a again.
    expect(answeredBy(await c.ask(route.port, 'four'))).toBe('b');
    const names = [];
    for (let i = 0; i < 2; i++) names.push(answeredBy(await (await client()).ask(route.port, 'new')));
    expect(names).toContain('a');
    expect((await live(onB!.id)).active).toBeGreaterThanOrEqual(1);
  });

  it('drain keeps open sessions on the backend, sends new ones elsewhere, and reports it drained when they end', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await udpRoute(core, [a!.url, b!.url], { idleTimeoutMs });
    const onA = route.backends[0]!;
    const held = await client();
    expect(answeredBy(await held.ask(route.port, 'before'))).toBe('a');
    const events: SwitchyardEvent[] = [];
    const listener = (event: SwitchyardEvent) => events.push(event);
    core.events.on('event', listener);
    try {
      await must(core.run('backends.drain', { id: onA.id }));
      expect(await live(onA.id)).toMatchObject({ status: 'draining', active: 1 });
      expect(answeredBy(await held.ask(route.port, 'during'))).toBe('a');
      for (let i = 0; i < 3; i++) expect(answeredBy(await (await client()).ask(route.port, 'new'))).toBe('b');
      // The held session goes quiet, ends at its idle timeout, and the drain is over.
      const deadline = Date.now() + idleTimeoutMs * 5;
      while ((await live(onA.id)).status !== 'drained' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await live(onA.id)).toMatchObject({ status: 'drained', active: 0 });
      expect(events.some((e) => e.name === 'timeline.added' && /drained/i.test(e.payload.message))).toBe(true);
    } finally {
      core.events.off('event', listener);
    }
  });

  it('removing a backend ends its sessions', async () => {
    const [a, b] = await backends('a', 'b');
    const route = await udpRoute(core, [a!.url, b!.url]);
    const c = await client();
    expect(answeredBy(await c.ask(route.port, 'one'))).toBe('a');
    await must(core.run('backends.remove', { id: route.backends[0]!.id }));
    expect(answeredBy(await c.ask(route.port, 'two'))).toBe('b');
    expect(a!.received).toHaveLength(1);
  });
});
