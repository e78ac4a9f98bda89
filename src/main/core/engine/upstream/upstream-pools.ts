import {
  UpstreamCall,
  UpstreamConnection,
  type ConnectionOwner,
  type UpstreamHandler,
  type UpstreamOptions,
  type UpstreamRequest,
} from '../http/http1/upstream-connection';
import type { UpstreamTarget } from '../routing/routing-table';
import { DeadlineSweep } from './deadline-sweep';
import { dial, type Dialer } from './dialer';

// Upstream: how attempts reach backends. One dialer opens every connection
// (dialer.ts), pools keep them warm (this file), failures are typed values
// (failures.ts) that retries (retries.ts), passive health and the traffic
// record read; in-flight counts and switches say what each backend carries.

// Idle pooled connections are closed after 4 s: Node dev servers close idle
// keep-alive sockets after 5 s, and reusing one they are closing races into
// a reset (undici chooses 4 s for the same reason).
const keepAliveMs = 4_000;

/** Keep-alive connections to one backend origin, most recently used first. */
class OriginPool implements ConnectionOwner {
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  /** Closed or destroyed: handed out no more (UpstreamPools makes a new one). */
  closed = false;

  constructor(
    private readonly target: UpstreamTarget,
    private readonly options: UpstreamOptions,
    private readonly dial: Dialer,
    readonly sweep: DeadlineSweep,
  ) {}

  request(request: UpstreamRequest, handler: UpstreamHandler): UpstreamCall {
    let connection = this.idle.pop();
    while (connection && !connection.open) connection = this.idle.pop();
    if (!connection) {
      connection = new UpstreamConnection(this.target, this.options, this, keepAliveMs, this.dial);
      this.all.add(connection);
    }
    const call = new UpstreamCall(connection, request, handler);
    connection.start(call);
    return call;
  }

  release(connection: UpstreamConnection): void {
    if (this.closed) connection.socket.destroy();
    else this.idle.push(connection);
  }

  forget(connection: UpstreamConnection): void {
    this.all.delete(connection);
    this.sweep.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }

  /** Idle connections close now, busy ones once their exchange ends. */
  close(): void {
    this.closed = true;
    for (const connection of this.idle) connection.socket.destroy();
  }

  destroy(): void {
    this.closed = true;
    for (const connection of this.all) connection.socket.destroy();
  }
}

/**
 * One pool per backend origin and connection options (per-route settings).
 * Pools outlive routing-table swaps so a config change keeps warm connections.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, OriginPool>();
  /**
   * The pool each target was last given, with the options it was asked for:
   * every request asks, and building and hashing the key string each time
   * was 1.2% of a small proxied request's CPU (--cpu-prof under wrk).
   */
  private readonly lastGiven = new WeakMap<UpstreamTarget, { pool: OriginPool; options: UpstreamOptions }>();
  private dialer: Dialer = dial;
  /** Every pooled connection's timeouts, checked by one interval. */
  private readonly sweep = new DeadlineSweep();
  /** What pools (and TCP routes) dial with: reads the current dialer, so a decorator added later applies to every connection. */
  readonly dialCurrent: Dialer = (origin, options) => this.dialer(origin, options);

  /**
   * The seam between "backend picked" and "bytes sent": every new upstream
   * connection is opened by `decorate(current dialer)`. Fault injection
   * wraps the socket here, so retries, passive health and the traffic
   * record see its faults as the real failures they imitate.
   */
  decorateDialer(decorate: (dialer: Dialer) => Dialer): void {
    this.dialer = decorate(this.dialer);
  }

  for(target: UpstreamTarget, options: UpstreamOptions): OriginPool {
    const last = this.lastGiven.get(target);
    if (last && !last.pool.closed && last.options.connectTimeoutMs === options.connectTimeoutMs && last.options.verifyTls === options.verifyTls) return last.pool;
    const key = `${target.url} ${options.connectTimeoutMs} ${options.verifyTls}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new OriginPool(target, options, this.dialCurrent, this.sweep);
      this.pools.set(key, pool);
    }
    this.lastGiven.set(target, { pool, options: { connectTimeoutMs: options.connectTimeoutMs, verifyTls: options.verifyTls } });
    return pool;
  }

  /** Closes pools of backends no longer configured once their in-flight requests finish. */
  retain(urls: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (urls.has(key.slice(0, key.indexOf(' ')))) continue;
      this.pools.delete(key);
      pool.close();
    }
  }

  /** Destroys every connection at once: nothing is waited for. */
  destroy(): void {
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
  }
}
