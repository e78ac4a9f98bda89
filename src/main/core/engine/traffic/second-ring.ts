/** Seconds a sliding window covers: "the last minute". */
export const windowSeconds = 60;

const msPerSecond = 1_000;

/**
 * Counts per second over the last minute, for several channels at once, in
 * fixed typed arrays: recording writes a number and never allocates. A slot
 * is reused when its second comes round again, so old counts fall out of the
 * window by themselves, with no timer.
 */
export class SecondRing {
  /** The second each slot counts; -Infinity for never used, so no second matches it. */
  private readonly stamps = new Float64Array(windowSeconds).fill(-Infinity);
  private readonly counts: Float64Array;

  constructor(private readonly channels: number) {
    this.counts = new Float64Array(windowSeconds * channels);
  }

  add(nowMs: number, channel: number, amount = 1): void {
    const second = Math.floor(nowMs / msPerSecond);
    const slot = second % windowSeconds;
    const base = slot * this.channels;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.counts.fill(0, base, base + this.channels);
    }
    this.counts[base + channel]! += amount;
  }

  /** The channel's total over the last `windowSeconds` seconds, the current one included. */
  sum(nowMs: number, channel: number): number {
    const second = Math.floor(nowMs / msPerSecond);
    let total = 0;
    for (let slot = 0; slot < windowSeconds; slot++) {
      const stamp = this.stamps[slot]!;
      if (stamp <= second && stamp > second - windowSeconds) total += this.counts[slot * this.channels + channel]!;
    }
    return total;
  }

  /**
   * Events per second over the last second: the current second's count plus
   * the previous second's, weighted by the part of it the last second still
   * covers (the sliding-window counter Cloudflare describes for its rate
   * limiter). Steady traffic reads steady whenever it is sampled, and a burst
   * shows at once rather than after its second is over.
   */
  rate(nowMs: number, channel: number): number {
    const second = Math.floor(nowMs / msPerSecond);
    const elapsed = nowMs / msPerSecond - second;
    return this.at(second, channel) + this.at(second - 1, channel) * (1 - elapsed);
  }

  /** Whether anything was counted in the window. */
  holdsData(nowMs: number): boolean {
    const second = Math.floor(nowMs / msPerSecond);
    for (let slot = 0; slot < windowSeconds; slot++) if (this.stamps[slot]! > second - windowSeconds) return true;
    return false;
  }

  private at(second: number, channel: number): number {
    const slot = second % windowSeconds;
    return this.stamps[slot] === second ? this.counts[slot * this.channels + channel]! : 0;
  }
}
