import http from 'node:http';
import type { Server } from 'node:http';
import type { ListenerStatus } from '../../../shared/commands';
import type { BackendStats } from '../../../shared/events';
import type { Route } from '../../../shared/model';
import { closeServer, listenAll } from '../listen';
import { createProxyHandler, type ProxyContext } from './proxy-handler';
import { createUpgradeHandler } from './upgrade-proxy';
import { buildRoutingTable, type RoutingTable } from './routing-table';
import { RuntimeState } from './runtime-state';
import { UpstreamPools } from './upstream-pools';

export interface EngineListenOptions {
  addresses: readonly string[];
  port: number;
  /** Time a client has to send its request headers: stops slowloris. Default 30 s. */
  requestHeaderTimeoutMs?: number;
  /** Largest request head accepted (431 beyond). Default 16 KiB, Node's and close to nginx's 4×8k. */
  maxHeaderBytes?: number;
}

/**
 * The data plane. Config arrives as a whole new immutable routing table
 * (`apply`), swapped in with one assignment so the next request sees it and
 * in-flight ones keep the route they started with. Runtime state (balancer
 * cursors, pooled connections) is keyed by id and outlives swaps.
 */
export class Engine {
  private table: RoutingTable = buildRoutingTable([], 0);
  private readonly runtime = new RuntimeState();
  private readonly pools = new UpstreamPools();
  private servers: Server[] = [];
  private bound: ListenerStatus[] = [];

  apply(routes: Route[], revision: number): void {
    this.table = buildRoutingTable(routes, revision);
    this.runtime.retain(routes);
    this.pools.retain(new Set(routes.flatMap((r) => r.backends.map((b) => b.url))));
  }

  async listen(options: EngineListenOptions): Promise<ListenerStatus[]> {
    const context: ProxyContext = {
      table: () => this.table,
      runtime: this.runtime,
      pools: this.pools,
      listenPort: () => this.bound[0]?.port ?? options.port,
    };
    const handler = createProxyHandler(context);
    const upgrade = createUpgradeHandler(context);
    const headerTimeout = options.requestHeaderTimeoutMs ?? 30_000;
    const { servers, bound } = await listenAll(
      () => {
        const server = http.createServer(
          {
            // Bodies may stream for minutes (uploads, SSE); only the header
            // phase is timed, which is what stops slowloris.
            requestTimeout: 0,
            headersTimeout: headerTimeout,
            connectionsCheckingInterval: Math.min(1_000, headerTimeout),
            maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
            keepAliveTimeout: 5_000,
          },
          handler,
        );
        server.on('upgrade', upgrade);
        return server;
      },
      options.addresses,
      options.port,
      '--http-port',
    );
    this.servers = servers;
    this.bound = bound.map((b) => ({ kind: 'http', ...b }));
    return this.bound;
  }

  /** Passive failures seen for a backend since it was configured. */
  failureCount(backendId: number): number {
    return this.runtime.stats.failures(backendId);
  }

  /** Changes whenever traffic moved a counter. */
  statsVersion(): number {
    return this.runtime.stats.version;
  }

  stats(routes: readonly Route[]): Record<string, BackendStats> {
    return this.runtime.stats.snapshot(routes, this.runtime.active);
  }

  listeners(): ListenerStatus[] {
    return this.bound;
  }

  async close(graceMs = 2_000): Promise<void> {
    await Promise.all(this.servers.map((server) => closeServer(server, graceMs)));
    this.servers = [];
    this.bound = [];
    await this.pools.destroy();
  }
}
