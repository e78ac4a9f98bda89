import { describe, expect, it } from 'vitest';
import type { BackendStats, RouteLive, TrafficSnapshot } from '../../src/shared/events';
import type { Route } from '../../src/shared/model';
import { keepUnchanged } from '../../src/renderer/src/keep-unchanged';
import { LiveStore } from '../../src/renderer/src/live-store';
import { routeState, summarize } from '../../src/renderer/src/route-health';

// The UI's store keeps what a push did not change by reference, which is what
// lets memoised rows and selectors skip rendering; and it derives each
// route's worst state, which the list's markers and the header dot show.

const stats = (status: BackendStats['status'], served = 0): BackendStats => ({
  status,
  reason: '',
  since: '2026-12-01T00:00:00.000Z',
  lastCheck: null,
  checks: [true],
  served,
  rps: 0,
  share: 0,
  active: 0,
  failures: 0,
  responses: { '2xx': served, '3xx': 0, '4xx': 0, '5xx': 0 },
  retries: 0,
  latency: { p50: null, p95: null },
  bytesIn: 0,
  bytesOut: 0,
  errorRate: 0,
});

const live = (receiving: number, errorsLastMinute = 0): RouteLive => ({
  receiving,
  panic: false,
  requests: 0,
  rps: 0,
  responses: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
  local: { '429': 0, '502': 0, '503': 0, '508': 0 },
  errorsLastMinute,
});

function route(id: number, host: string, backendIds: number[], enabled = true): Route {
  return {
    id,
    host,
    path: '/',
    algorithm: 'round-robin',
    settings: {} as Route['settings'],
    backends: backendIds.map((b) => ({ id: b, url: `http://127.0.0.1:${3000 + b}`, weight: 1, enabled, draining: false })),
  } as unknown as Route;
}

const snapshot = (backends: Record<string, BackendStats>, routes: Record<string, RouteLive>): TrafficSnapshot => ({
  at: '2026-12-01T00:00:01.000Z',
  backends,
  routes,
});

describe('keepUnchanged', () => {
  it('returns the previous object when nothing changed, however deep', () => {
    const before = { a: { b: [1, 2, { c: 'x' }] } };
    expect(keepUnchanged(before, JSON.parse(JSON.stringify(before)) as typeof before)).toBe(before);
  });

  it('replaces only the changed branch', () => {
    const before = { one: { n: 1 }, two: { n: 2 } };
    const after = keepUnchanged(before, { one: { n: 1 }, two: { n: 3 } });
    expect(after).not.toBe(before);
    expect(after.one).toBe(before.one);
    expect(after.two).toEqual({ n: 3 });
  });

  it('matches list items by id, so an insertion keeps every other item', () => {
    const before = [route(2, 'b.localhost', [20]), route(3, 'c.localhost', [30])];
    const after = keepUnchanged(before, [route(1, 'a.localhost', [10]), route(2, 'b.localhost', [20]), route(3, 'c.localhost', [30])]);
    expect(after[1]).toBe(before[0]);
    expect(after[2]).toBe(before[1]);
  });

  it('notices removed keys and keeps "__proto__" as data', () => {
    const before = { a: 1, b: 2 };
    expect(keepUnchanged(before, { a: 1 })).toEqual({ a: 1 });
    const hostile = keepUnchanged({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(hostile)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('LiveStore', () => {
  it('keeps an unchanged backend’s stats by reference across a push and tells no one when nothing changed', () => {
    const store = new LiveStore();
    let notified = 0;
    store.subscribe(() => (notified += 1));
    store.setTraffic(snapshot({ 1: stats('healthy', 5), 2: stats('healthy', 7) }, { 9: live(2) }));
    const first = store.get();
    store.setTraffic(snapshot({ 1: stats('healthy', 5), 2: stats('healthy', 8) }, { 9: live(2) }));
    const second = store.get();
    expect(second.backends[1]).toBe(first.backends[1]);
    expect(second.backends[2]).not.toBe(first.backends[2]);
    expect(second.routeLive).toBe(first.routeLive);
    expect(notified).toBe(2);
    store.setTraffic(snapshot({ 1: stats('healthy', 5), 2: stats('healthy', 8) }, { 9: live(2) }));
    expect(store.get()).toBe(second);
    expect(notified).toBe(2);
  });

  it('merges a push of what changed into what it holds, and lets a complete push replace it', () => {
    const store = new LiveStore();
    let notified = 0;
    store.subscribe(() => (notified += 1));
    store.setTraffic(snapshot({ 1: stats('healthy', 5), 2: stats('healthy', 7) }, { 9: live(2), 10: live(1) }));
    const first = store.get();
    store.setTraffic({ ...snapshot({ 2: stats('unhealthy', 7) }, { 9: live(1) }), complete: false });
    const merged = store.get();
    expect(merged.backends[1]).toBe(first.backends[1]);
    expect(merged.backends[2]).toEqual(stats('unhealthy', 7));
    expect(merged.routeLive[10]).toBe(first.routeLive[10]);
    expect(merged.routeLive[9]).toEqual(live(1));
    // The same change again is no change.
    store.setTraffic({ ...snapshot({ 2: stats('unhealthy', 7) }, { 9: live(1) }), complete: false });
    expect(store.get()).toBe(merged);
    expect(notified).toBe(2);
    // A complete push drops what it lacks (a removed backend).
    store.setTraffic({ ...snapshot({ 1: stats('healthy', 5) }, { 9: live(1) }), complete: true });
    expect(Object.keys(store.get().backends)).toEqual(['1']);
    expect(store.get().backends[1]).toBe(first.backends[1]);
  });

  it('a snapshot taken before a push of what changed does not undo that push', () => {
    const store = new LiveStore();
    const at = (second: number) => `2026-12-01T00:00:0${second}.000Z`;
    store.setTraffic({ at: at(2), backends: { 2: stats('unhealthy', 7) }, routes: { 9: live(1) }, complete: false });
    // The answer to backends.live, built at second 1, arrives after the push of second 2.
    store.setTraffic({ at: at(1), backends: { 1: stats('healthy', 5), 2: stats('healthy', 7) }, routes: { 9: live(2) } });
    expect(store.get().backends[1]).toEqual(stats('healthy', 5));
    expect(store.get().backends[2]).toEqual(stats('unhealthy', 7));
    expect(store.get().routeLive[9]).toEqual(live(1));
    // A later snapshot is newer than the push: it wins.
    store.setTraffic({ at: at(3), backends: { 1: stats('healthy', 5), 2: stats('healthy', 7) }, routes: { 9: live(2) }, complete: true });
    expect(store.get().backends[2]).toEqual(stats('healthy', 7));
    expect(store.get().routeLive[9]).toEqual(live(2));
  });

  it('counts reconnections, so views that fetched on their own fetch again', () => {
    const store = new LiveStore();
    store.setConnection('online');
    store.setConnection('offline');
    store.setConnection('online');
    expect(store.get().reconnects).toBe(1);
  });
});

describe('routeState and summarize', () => {
  const demo = route(9, 'demo.localhost', [1, 2]);

  it('names the worst state of a route', () => {
    expect(routeState(demo, { 1: stats('healthy'), 2: stats('healthy') }, live(2))).toBe('healthy');
    expect(routeState(demo, { 1: stats('healthy'), 2: stats('unhealthy') }, live(1))).toBe('degraded');
    expect(routeState(demo, { 1: stats('healthy'), 2: stats('ejected') }, live(1))).toBe('degraded');
    expect(routeState(demo, { 1: stats('unhealthy'), 2: stats('unhealthy') }, live(0))).toBe('down');
    expect(routeState(route(9, 'off.localhost', [1], false), {}, live(0))).toBe('down');
    expect(routeState(route(9, 'empty.localhost', []), {}, live(0))).toBe('empty');
    expect(routeState(demo, {}, undefined)).toBe('checking');
    // Checks off: nothing will ever be checked, so not "checking" forever.
    const unchecked = { ...demo, settings: { ...demo.settings, healthCheck: 'off' as const } };
    expect(routeState(unchecked, { 1: stats('unknown'), 2: stats('unknown') }, live(2))).toBe('unchecked');
    expect(summarize([unchecked], { 1: stats('unknown'), 2: stats('unknown') }, { 9: live(2) }).backends).toMatchObject({ checking: 0, unchecked: 2 });
    // Switched off by the user is intent, not trouble, while another takes the traffic.
    expect(routeState(demo, { 1: stats('healthy'), 2: stats('disabled') }, live(1))).toBe('healthy');
  });

  it('counts routes by state, backends by status and errors of the last minute', () => {
    const summary = summarize(
      [demo, route(10, 'other.localhost', [3])],
      { 1: stats('healthy'), 2: stats('unhealthy'), 3: stats('disabled') },
      { 9: live(1, 4), 10: live(0, 1) },
    );
    expect(summary).toEqual({
      routes: 2,
      down: 1,
      degraded: 1,
      backends: { healthy: 1, down: 1, ejected: 0, draining: 0, off: 1, checking: 0, unchecked: 0 },
      errorsLastMinute: 5,
    });
  });
});
