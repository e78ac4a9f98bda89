import { describe, expect, it } from 'vitest';
import { TrafficStats } from '../../src/main/core/engine/traffic/traffic-stats';

const routeId = 1;
const [a, b] = [10, 11];
const routes = [{ id: routeId, backends: [{ id: a }, { id: b }] }];
const noneActive = () => 0;

/** A TrafficStats on a clock the test moves by hand (ms). */
function statsAt(start = 1_000_000): { stats: TrafficStats; advance: (ms: number) => void } {
  let now = start;
  return { stats: new TrafficStats(() => now), advance: (ms) => (now += ms) };
}

function answer(stats: TrafficStats, backendId: number, count: number, status = 200, latencyMs = 5): void {
  for (let i = 0; i < count; i++) {
    stats.recordRequest(routeId);
    stats.recordAnswer(routeId, backendId, status, latencyMs);
  }
}

describe('TrafficStats', () => {
  it("a backend that stops answering falls to 0% share within the minute, though it had most of the route's answers", () => {
    const { stats, advance } = statsAt();
    answer(stats, a, 10);
    answer(stats, b, 90);
    expect(stats.snapshot(routes, noneActive).get(b)!.share).toBeCloseTo(0.9);
    // b is switched off: only a answers from now on, a few a second.
    for (let second = 0; second < 59; second++) {
      advance(1_000);
      answer(stats, a, 2);
    }
    expect(stats.snapshot(routes, noneActive).get(b)!.share).toBeGreaterThan(0);
    advance(1_000);
    answer(stats, a, 2);
    const after = stats.snapshot(routes, noneActive);
    expect(after.get(b)!.share).toBe(0);
    expect(after.get(a)!.share).toBe(1);
    expect(after.get(b)!.served).toBe(90);
  });

  it('share and error rate are 0, not NaN, with no traffic in the window; latency is null', () => {
    const { stats, advance } = statsAt();
    answer(stats, a, 3, 500);
    advance(61_000);
    const quiet = stats.snapshot(routes, noneActive).get(a)!;
    expect(quiet).toMatchObject({ share: 0, errorRate: 0, rps: 0, latency: { p50: null, p95: null } });
    expect(quiet.responses['5xx']).toBe(3);
    expect(stats.windowHoldsData()).toBe(false);
  });

  it('rps reads the last second: a burst shows at once, steady traffic reads steady, and it is 0 within two seconds of traffic stopping', () => {
    const { stats, advance } = statsAt(5_000_000);
    advance(100);
    answer(stats, a, 30);
    advance(400);
    expect(stats.snapshot(routes, noneActive).get(a)!.rps).toBe(30);
    for (let i = 0; i < 40; i++) {
      advance(100);
      answer(stats, b, 1);
    }
    // An estimate from two whole seconds: within one request of the truth.
    const steady = stats.snapshot(routes, noneActive).get(b)!.rps;
    expect(steady).toBeGreaterThanOrEqual(9);
    expect(steady).toBeLessThanOrEqual(11);
    advance(1_000);
    expect(stats.snapshot(routes, noneActive).get(b)!.rps).toBeLessThan(steady);
    advance(1_000);
    expect(stats.snapshot(routes, noneActive).get(b)!.rps).toBe(0);
    expect(stats.routeSnapshot(routeId).rps).toBe(0);
    expect(stats.windowHoldsData()).toBe(true);
  });

  it('error rate counts failed attempts and 5xx answers over attempts; retries only failures that went elsewhere', () => {
    const { stats } = statsAt();
    answer(stats, a, 6, 200);
    answer(stats, a, 2, 503);
    stats.recordFailure(routeId, a, true);
    stats.recordFailure(routeId, a, false);
    const backend = stats.snapshot(routes, noneActive).get(a)!;
    expect(backend.errorRate).toBeCloseTo(4 / 10);
    expect(backend).toMatchObject({ failures: 2, retries: 1, served: 8, responses: { '2xx': 6, '3xx': 0, '4xx': 0, '5xx': 2 } });
    expect(stats.routeSnapshot(routeId).errorsLastMinute).toBe(4);
  });

  it('local answers count by status, in the route\'s responses and, for 5xx, in its errors', () => {
    const { stats } = statsAt();
    for (const status of [429, 429, 502, 503, 508] as const) {
      stats.recordRequest(routeId);
      stats.recordLocal(routeId, status);
    }
    expect(stats.routeSnapshot(routeId)).toMatchObject({
      requests: 5,
      local: { '429': 2, '502': 1, '503': 1, '508': 1 },
      responses: { '2xx': 0, '3xx': 0, '4xx': 2, '5xx': 3 },
      errorsLastMinute: 3,
    });
  });

  it('latency percentiles are over the last minute only', () => {
    const { stats, advance } = statsAt();
    for (let ms = 1; ms <= 100; ms++) stats.recordAnswer(routeId, a, 200, ms);
    expect(stats.snapshot(routes, noneActive).get(a)!.latency).toEqual({ p50: 50, p95: 95 });
    advance(30_000);
    for (let i = 0; i < 100; i++) stats.recordAnswer(routeId, a, 200, 500);
    advance(31_000);
    expect(stats.snapshot(routes, noneActive).get(a)!.latency).toEqual({ p50: 500, p95: 500 });
  });

  it('keeps the latest latencies when more arrive than the ring holds', () => {
    const { stats } = statsAt();
    for (let i = 0; i < 5_000; i++) stats.recordAnswer(routeId, a, 200, i < 4_000 ? 1 : 9);
    expect(stats.snapshot(routes, noneActive).get(a)!.latency).toEqual({ p50: 9, p95: 9 });
  });
});
