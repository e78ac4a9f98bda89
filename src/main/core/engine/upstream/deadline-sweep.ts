/** A deadline is checked at least this often (nginx's timers are as coarse; most upstream timeouts are seconds). */
const maxSweepMs = 1_000;
/** A timeout fires within a quarter of its length late at most. */
const sweepsPerTimeout = 4;
const minSweepMs = 5;

export interface Watched {
  /** Epoch ms when its current phase times out; Infinity for none. */
  readonly deadline: number;
  timedOut(): void;
}

/**
 * The upstream side's timeouts, as the client side keeps them (see
 * Http1Server's sweep): each connection holds a deadline number and one
 * interval checks them all, instead of a socket timer re-armed three times
 * per request (each a new Timeout and bound closure). Runs only while
 * connections exist, at the pace the shortest timeout it has seen needs.
 */
export class DeadlineSweep {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private everyMs = maxSweepMs;

  add(connection: Watched): void {
    this.watched.add(connection);
    if (!this.timer) this.start();
  }

  delete(connection: Watched): void {
    this.watched.delete(connection);
    if (this.watched.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A timeout of `ms` is in use: sweep often enough for it. */
  needs(ms: number): void {
    const every = Math.max(minSweepMs, Math.min(maxSweepMs, Math.floor(ms / sweepsPerTimeout)));
    if (every >= this.everyMs) return;
    this.everyMs = every;
    if (this.timer) {
      clearInterval(this.timer);
      this.start();
    }
  }

  private start(): void {
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const connection of this.watched) if (now >= connection.deadline) connection.timedOut();
    }, this.everyMs);
    this.timer.unref();
  }
}
