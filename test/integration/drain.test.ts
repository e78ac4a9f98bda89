import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { SwitchyardEvent, TimelineEntry } from '../../src/shared/events';
import { startBackend } from '../helpers/backends';
import { must, proxyPort, request, withCleanCore } from '../helpers/core';
import { waitForBackend } from '../helpers/health';

// A drain ends when the draining backend's last request ends (an event), so
// the timeline says "drained" the moment it is, not at the next poll.

/** How long the first slow backend takes to answer. */
const slowAnswerMs = 1_500;
/**
 * The second one answers this much later: a poll of about a second cannot
 * note both drains within `promptMs` of their ends (one of them ends at
 * least 200 ms on the wrong side of a tick), an event can.
 */
const staggerMs = 500;
/** How long after the last response ended the 'drained' entry may come. */
const promptMs = 300;
const waitForEntryMs = 3_000;

/** Every timeline entry the core announces, with when it arrived. */
function timelineEvents(core: Core, cleanups: (() => Promise<unknown>)[]): { entry: TimelineEntry; receivedAt: number }[] {
  const seen: { entry: TimelineEntry; receivedAt: number }[] = [];
  const listener = (event: SwitchyardEvent) => {
    if (event.name === 'timeline.added') seen.push({ entry: event.payload, receivedAt: Date.now() });
  };
  core.events.on('event', listener);
  cleanups.push(() => {
    core.events.off('event', listener);
    return Promise.resolve();
  });
  return seen;
}

async function entryFor(seen: { entry: TimelineEntry; receivedAt: number }[], kind: string, backendId: number) {
  const deadline = Date.now() + waitForEntryMs;
  for (;;) {
    const found = seen.find((e) => e.entry.kind === kind && e.entry.backendId === backendId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no '${kind}' timeline entry for backend ${backendId}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('drains end by event', () => {
  let core: Core;
  const cleanups = withCleanCore((c) => (core = c));

  it("notes 'drained' as the draining backend's last request ends", async () => {
    const seen = timelineEvents(core, cleanups);
    const routes = [];
    for (const [i, answerMs] of [slowAnswerMs, slowAnswerMs + staggerMs].entries()) {
      const backend = await startBackend(`slow${i}`, (req, res) => {
        req.resume();
        setTimeout(() => res.end('finished'), answerMs);
      });
      cleanups.push(() => backend.close());
      const route = await must(core.run('routes.create', { host: `drain${i}.localhost`, settings: { healthCheck: 'off' }, backends: [{ url: backend.url }] }));
      routes.push({ backend, host: route.host, id: route.backends[0]!.id });
    }

    const answers = routes.map(async ({ host }) => {
      const response = await request(proxyPort(core), host);
      return { response, endedAt: Date.now() };
    });
    for (const { backend } of routes) while (backend.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const { id } of routes) {
      await must(core.run('backends.drain', { id }));
      expect((await waitForBackend(core, id, (s) => s.status === 'draining')).reason).toMatch(/1 request still in flight/);
    }

    for (const [i, answer] of answers.entries()) {
      const { response, endedAt } = await answer;
      expect(response.body).toBe('finished');
      const { id } = routes[i]!;
      const drained = await entryFor(seen, 'drained', id);
      const config = await entryFor(seen, 'config', id);
      expect(drained.entry.id).toBeGreaterThan(config.entry.id);
      expect(Math.abs(Date.parse(drained.entry.at) - endedAt)).toBeLessThan(promptMs);
      expect(Math.abs(drained.receivedAt - endedAt)).toBeLessThan(promptMs);
      expect((await must(core.run('timeline.list', {}))).map((e) => e.id)).toContain(drained.entry.id);
    }
  });

  it("notes 'drained' at once, after the 'draining' entry, for a backend with nothing in flight", async () => {
    const seen = timelineEvents(core, cleanups);
    const idle = await startBackend('idle');
    cleanups.push(() => idle.close());
    const route = await must(core.run('routes.create', { host: 'idle-drain.localhost', settings: { healthCheck: 'off' }, backends: [{ url: idle.url }] }));
    const id = route.backends[0]!.id;

    await must(core.run('backends.drain', { id }));
    const drained = await entryFor(seen, 'drained', id);
    const config = seen.find((e) => e.entry.kind === 'config' && /draining/.test(e.entry.message) && e.entry.backendId === id);
    expect(config).toBeDefined();
    expect(seen.indexOf(drained)).toBeGreaterThan(seen.indexOf(config!));
    expect(drained.entry.id).toBeGreaterThan(config!.entry.id);
    expect(Date.parse(drained.entry.at) - Date.parse(config!.entry.at)).toBeLessThan(promptMs);
    // timeline.list is newest first.
    const kinds = (await must(core.run('timeline.list', { routeId: route.id }))).map((e) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['drained', 'config']);
    expect((await must(core.run('backends.live', {}))).backends[id]!.status).toBe('drained');
  });
});
