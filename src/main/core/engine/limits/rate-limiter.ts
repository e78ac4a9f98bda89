import type { RouteSettings } from '../../../../shared/model';
import { TokenBucket } from './token-bucket';

// Per-client buckets are bounded: past this many, full (idle) ones are dropped.
const maxBuckets = 10_000;

/** The buckets of one route; replaced when its limit settings change. */
export class RouteRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly rate: number,
    readonly burst: number,
    readonly per: RouteSettings['rateLimitPer'],
  ) {}

  matches(settings: RouteSettings): boolean {
    return settings.rateLimitRps === this.rate && settings.rateLimitBurst === this.burst && settings.rateLimitPer === this.per;
  }

  /** 0 when the request may pass, else milliseconds to wait. */
  take(clientIp: string, now: number): number {
    const key = this.per === 'global' ? '' : clientIp;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= maxBuckets) this.evictIdle(now);
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  private evictIdle(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }
}
