import http from 'node:http';
import type { Server } from 'node:http';
import type { ListenerStatus } from '../../../shared/commands';
import type { Route } from '../../../shared/model';
import { closeServer, listenAll } from '../listen';
import { createProxyHandler } from './proxy-handler';
import type { RoundRobinState } from './round-robin';
import { buildRoutingTable, type RoutingTable } from './routing-table';
import { UpstreamAgents } from './upstream-agents';

export interface EngineListenOptions {
  addresses: readonly string[];
  port: number;
}

/**
 * The data plane. Config arrives as a whole new immutable routing table
 * (`apply`), swapped in with one assignment so the next request sees it and
 * in-flight ones keep the route they started with. Runtime state (balancer
 * cursors, pooled connections) is keyed by id and outlives swaps.
 */
export class Engine {
  private table: RoutingTable = buildRoutingTable([], 0);
  private readonly cursors = new Map<number, RoundRobinState>();
  private readonly agents = new UpstreamAgents();
  private servers: Server[] = [];
  private bound: ListenerStatus[] = [];

  apply(routes: Route[], revision: number): void {
    this.table = buildRoutingTable(routes, revision);
    const routeIds = new Set(routes.map((r) => r.id));
    for (const id of this.cursors.keys()) if (!routeIds.has(id)) this.cursors.delete(id);
    this.agents.retain(new Set(routes.flatMap((r) => r.backends.map((b) => b.url))));
  }

  async listen(options: EngineListenOptions): Promise<ListenerStatus[]> {
    const handler = createProxyHandler({
      table: () => this.table,
      roundRobin: (routeId) => {
        let cursor = this.cursors.get(routeId);
        if (!cursor) this.cursors.set(routeId, (cursor = { next: 0 }));
        return cursor;
      },
      agents: this.agents,
      listenPort: () => this.bound[0]?.port ?? options.port,
    });
    const { servers, bound } = await listenAll(
      () =>
        http.createServer(
          {
            // Bodies may stream for minutes (uploads, SSE); only the header
            // phase is timed, which is what stops slowloris.
            requestTimeout: 0,
            headersTimeout: 30_000,
            keepAliveTimeout: 5_000,
          },
          handler,
        ),
      options.addresses,
      options.port,
      '--http-port',
    );
    this.servers = servers;
    this.bound = bound.map((b) => ({ kind: 'http', ...b }));
    return this.bound;
  }

  listeners(): ListenerStatus[] {
    return this.bound;
  }

  async close(graceMs = 2_000): Promise<void> {
    await Promise.all(this.servers.map((server) => closeServer(server, graceMs)));
    this.servers = [];
    this.bound = [];
    this.agents.destroy();
  }
}
