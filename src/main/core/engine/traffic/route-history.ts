import type { RouteHistory } from '../../../../shared/events';

/** How far back a route's charts go: 15 minutes, one sample a second. */
export const historySeconds = 900;

const msPerSecond = 1_000;

// Latency buckets, doubling from 0.5 ms: the last one holds everything from
// 8.192 s up. Sixteen counters a second keep a route's 15 minutes at 65 KB,
// allocated only once the route has traffic.
const bucketBounds = Array.from({ length: 15 }, (_, i) => 0.5 * 2 ** i);
const bucketCount = bucketBounds.length + 1;

const requestsChannel = 0;
const errorsChannel = 1;
const firstBucket = 2;
const channels = firstBucket + bucketCount;

function bucketOf(latencyMs: number): number {
  for (let i = 0; i < bucketBounds.length; i++) if (latencyMs < bucketBounds[i]!) return i;
  return bucketBounds.length;
}

/**
 * A route's last 15 minutes, second by second: requests, errors and a latency
 * histogram, in one fixed typed array (recording writes counters and never
 * allocates). Percentiles are estimated from the histogram, interpolating
 * within a bucket as Prometheus's histogram_quantile does.
 */
export class RouteHistoryRing {
  private readonly stamps = new Float64Array(historySeconds).fill(-Infinity);
  private readonly counts = new Uint32Array(historySeconds * channels);

  request(nowMs: number): void {
    this.add(nowMs, requestsChannel);
  }

  error(nowMs: number): void {
    this.add(nowMs, errorsChannel);
  }

  latency(nowMs: number, latencyMs: number): void {
    this.add(nowMs, firstBucket + bucketOf(latencyMs));
  }

  /**
   * The last `seconds` seconds, oldest first, ending with the current one.
   * `wallNowMs` dates them: the ring counts on a monotonic clock.
   */
  read(nowMs: number, wallNowMs: number, seconds: number): RouteHistory {
    const current = Math.floor(nowMs / msPerSecond);
    const out: RouteHistory = { end: new Date(Math.floor(wallNowMs / msPerSecond) * msPerSecond).toISOString(), requests: [], errors: [], p50: [], p95: [], p99: [] };
    const histogram = new Uint32Array(bucketCount);
    for (let second = current - seconds + 1; second <= current; second++) {
      const slot = ((second % historySeconds) + historySeconds) % historySeconds;
      const live = this.stamps[slot] === second;
      const base = slot * channels;
      out.requests.push(live ? this.counts[base + requestsChannel]! : 0);
      out.errors.push(live ? this.counts[base + errorsChannel]! : 0);
      if (live) histogram.set(this.counts.subarray(base + firstBucket, base + channels));
      else histogram.fill(0);
      out.p50.push(percentile(histogram, 0.5));
      out.p95.push(percentile(histogram, 0.95));
      out.p99.push(percentile(histogram, 0.99));
    }
    return out;
  }

  private add(nowMs: number, channel: number): void {
    const second = Math.floor(nowMs / msPerSecond);
    const slot = second % historySeconds;
    const base = slot * channels;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.counts.fill(0, base, base + channels);
    }
    this.counts[base + channel]! += 1;
  }
}

/** The latency below which `quantile` of the counted answers fell, in ms (one decimal); null with no answers. */
export function percentile(histogram: Uint32Array, quantile: number): number | null {
  let total = 0;
  for (const count of histogram) total += count;
  if (total === 0) return null;
  const rank = quantile * total;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    const count = histogram[i]!;
    if (count === 0 || seen + count < rank) {
      seen += count;
      continue;
    }
    const lower = i === 0 ? 0 : bucketBounds[i - 1]!;
    // The open last bucket has no upper bound: report where it starts.
    if (i === bucketBounds.length) return lower;
    const upper = bucketBounds[i]!;
    return Math.round((lower + ((upper - lower) * (rank - seen)) / count) * 10) / 10;
  }
  return null;
}
