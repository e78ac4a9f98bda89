/**
 * A token bucket (the model behind nginx's limit_req with `burst ... nodelay`):
 * holds up to `burst` tokens, refilled at `rate` per second; a request takes
 * one or is refused with the time until the next token.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
    this.updatedAt = now;
  }

  /** 0 when the request may pass, else milliseconds until it could. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  /** A full bucket carries no information and can be forgotten. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}
