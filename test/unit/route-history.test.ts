import { describe, expect, it } from 'vitest';
import { historySeconds, percentile, RouteHistoryRing } from '../../src/main/core/engine/traffic/route-history';

const wall = Date.parse('2026-12-01T10:00:00.000Z');

describe("a route's 15-minute history", () => {
  it('counts requests and errors per second, oldest first, ending with the current second', () => {
    const ring = new RouteHistoryRing();
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) ring.request(t0);
    ring.error(t0);
    ring.request(t0 + 2_000);
    const read = ring.read(t0 + 2_500, wall, 10);
    expect(read.requests).toEqual([0, 0, 0, 0, 0, 0, 0, 5, 0, 1]);
    expect(read.errors).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(read.end).toBe('2026-12-01T10:00:00.000Z');
  });

  it('forgets what is older than 15 minutes: a slot is reused when its second comes round', () => {
    const ring = new RouteHistoryRing();
    ring.request(5_000);
    const later = 5_000 + historySeconds * 1_000;
    expect(ring.read(later - 1_000, wall, historySeconds).requests[0]).toBe(1);
    expect(ring.read(later, wall, historySeconds).requests.reduce((a, b) => a + b)).toBe(0);
    ring.request(later);
    expect(ring.read(later, wall, historySeconds).requests.at(-1)).toBe(1);
  });

  it('estimates latency percentiles from the histogram, null for seconds without answers', () => {
    const ring = new RouteHistoryRing();
    const t = 50_000;
    // 90 answers around 3 ms, 9 around 100 ms, 1 around 2 s.
    for (let i = 0; i < 90; i++) ring.latency(t, 3);
    for (let i = 0; i < 9; i++) ring.latency(t, 100);
    ring.latency(t, 2_000);
    const read = ring.read(t, wall, 10);
    expect(read.p50.at(-1)).toBeGreaterThanOrEqual(2);
    expect(read.p50.at(-1)).toBeLessThanOrEqual(4);
    expect(read.p95.at(-1)).toBeGreaterThanOrEqual(64);
    expect(read.p95.at(-1)).toBeLessThanOrEqual(128);
    expect(read.p99.at(-1)).toBeGreaterThanOrEqual(64);
    expect(read.p99.at(-1)).toBeLessThanOrEqual(128);
    expect(read.p50[0]).toBeNull();
    expect(read.p99[0]).toBeNull();
  });

  it('percentile interpolates within a bucket and reports where the open last bucket starts', () => {
    const buckets = new Uint32Array(16);
    expect(percentile(buckets, 0.5)).toBeNull();
    buckets[15] = 1;
    expect(percentile(buckets, 0.5)).toBe(8192);
  });
});
