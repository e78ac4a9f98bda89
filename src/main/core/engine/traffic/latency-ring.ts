import { windowSeconds } from './second-ring';

/**
 * Latest latencies kept per backend. At a few thousand answers a second the
 * minute holds more than this, and the percentiles describe the most recent
 * ones, which is what a live view wants.
 */
const samples = 1_024;

const windowMs = windowSeconds * 1_000;

export interface Percentiles {
  p50: number | null;
  p95: number | null;
}

/** Shared by every ring: snapshots run one at a time, on one thread. */
const scratch = new Float64Array(samples);

/** Nearest-rank percentile of sorted values: always a latency that was actually seen. */
function nearestRank(sorted: Float64Array, count: number, fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * count) - 1)]!;
}

/** One decimal place: a tenth of a millisecond is as exact as a loopback timer is worth. */
const tenths = (ms: number) => Math.round(ms * 10) / 10;

/**
 * A fixed ring of (time, latency) samples. Recording writes two numbers;
 * sorting happens only when a snapshot asks, at most once a second and only
 * while someone is watching.
 */
export class LatencyRing {
  private readonly values = new Float64Array(samples);
  private readonly times = new Float64Array(samples);
  private next = 0;
  private filled = 0;

  add(nowMs: number, latencyMs: number): void {
    this.values[this.next] = latencyMs;
    this.times[this.next] = nowMs;
    this.next = (this.next + 1) % samples;
    if (this.filled < samples) this.filled += 1;
  }

  /** p50 and p95 of the samples from the last minute; null when there are none. */
  percentiles(nowMs: number): Percentiles {
    let count = 0;
    for (let i = 0; i < this.filled; i++) if (this.times[i]! > nowMs - windowMs) scratch[count++] = this.values[i]!;
    if (count === 0) return { p50: null, p95: null };
    const sorted = scratch.subarray(0, count).sort();
    return { p50: tenths(nearestRank(sorted, count, 0.5)), p95: tenths(nearestRank(sorted, count, 0.95)) };
  }
}
