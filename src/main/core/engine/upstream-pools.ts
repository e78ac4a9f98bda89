import { createRequire } from 'node:module';
import type { Pool as PoolType } from 'undici';
import type { UpstreamTarget } from './routing-table';

// Only the Pool: undici's index also loads fetch, WebSocket, caches and more,
// about 9 MB of resident memory the proxy never uses.
const Pool: typeof PoolType = createRequire(__filename)('undici/lib/dispatcher/pool.js');
type Pool = PoolType;

// Idle pooled sockets are dropped after 4 s (undici's default, and what it
// lowers further when a backend's Keep-Alive header asks): Node dev servers
// close idle keep-alive sockets after 5 s, and reusing one they are closing
// races into a reset.
const keepAliveTimeout = 4_000;

/**
 * One undici Pool per backend origin (and connect timeout, which undici sets
 * per pool). undici's HTTP/1.1 client costs about a third less CPU per
 * request than node:http's ClientRequest here (see bench/RESULTS.md).
 * Pools outlive routing-table swaps so a config change keeps warm connections.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  for(target: UpstreamTarget, connectTimeoutMs: number): Pool {
    const key = `${target.url} ${connectTimeoutMs}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(target.url, { keepAliveTimeout, connect: { timeout: connectTimeoutMs } });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools of backends no longer configured once their in-flight requests finish. */
  retain(urls: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (urls.has(key.slice(0, key.indexOf(' ')))) continue;
      this.pools.delete(key);
      void pool.close().catch(() => {});
    }
  }

  async destroy(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy().catch(() => {})));
  }
}
