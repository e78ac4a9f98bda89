// Layer 4: TCP routes (nginx `stream`, HAProxy `mode tcp`). Each TCP route
// has its own listener (tcp-listener.ts), opened and closed as routing
// tables change; each connection (tcp-relay.ts) is balanced, dialed,
// retried and counted with the same balancer, dialer, failures, in-flight
// counts and health as HTTP exchanges, then relayed as bytes.

import type { ListenerStatus } from '../../../../shared/commands';
import type { Problem } from '../../../../shared/events';
import type { Route } from '../../../../shared/model';
import type { L4Context } from './l4-context';
import { listenProblem } from './listen-problem';
import { TcpListener } from './tcp-listener';

/** How long a removed route's open connections may go on before they are cut. */
export const removedRouteGraceMs = 10_000;

export interface TcpRoutesEvents {
  /** The list of TCP routes that cannot listen changed. */
  onProblems: () => void;
  onError: (context: string, error: unknown) => void;
}

/**
 * Every TCP route's listener, kept in step with the config. `sync` runs one
 * at a time, in order; a route whose address cannot be bound is a problem
 * (status, problems.changed) and the rest of Switchyard runs on. It is tried
 * again at the next config change, as a port may have been freed meanwhile.
 */
export class TcpRoutes {
  private readonly listeners = new Map<number, TcpListener>();
  private readonly failed = new Map<number, string>();
  /** Removed (or moved) routes' listeners whose connections are still open. */
  private readonly draining = new Set<TcpListener>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ctx: L4Context,
    private readonly events: TcpRoutesEvents,
  ) {}

  /** Opens, re-limits and closes listeners to match `routes`; `settled` resolves once it is done. */
  sync(routes: readonly Route[]): void {
    const tcp = routes.filter((route) => route.kind === 'tcp');
    this.queue = this.queue.then(() => this.syncNow(tcp)).catch((error: unknown) => this.events.onError('opening TCP routes', error));
  }

  /** Resolves once every sync asked for so far has bound or failed. */
  settled(): Promise<void> {
    return this.queue;
  }

  problems(): Problem[] {
    return [...this.failed.values()].map((message) => ({ code: 'TCP_LISTEN_FAILED' as const, message }));
  }

  status(): ListenerStatus[] {
    return [...this.listeners.values()].map((listener) => ({ kind: 'tcp', address: listener.address, port: listener.port, routeId: listener.routeId }));
  }

  /** Open connections of a route (for its live status). */
  connections(routeId: number): number {
    return this.listeners.get(routeId)?.connections ?? 0;
  }

  /** Stops every listener; connections get `graceMs` to end. No listener opens after this. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    await this.queue;
    const all = [...this.listeners.values(), ...this.draining];
    this.listeners.clear();
    await Promise.all(all.map((listener) => listener.stop(graceMs)));
  }

  private async syncNow(routes: readonly Route[]): Promise<void> {
    if (this.closed) return;
    const problemsBefore = [...this.failed.values()].join('\n');
    const wanted = new Map(routes.map((route) => [route.id, route]));
    const stopping: Promise<void>[] = [];
    for (const [id, listener] of this.listeners) {
      if (wanted.get(id)?.host === listener.url) continue;
      this.listeners.delete(id);
      this.draining.add(listener);
      stopping.push(listener.stop(removedRouteGraceMs).finally(() => this.draining.delete(listener)));
    }
    // (server.close releases the address at once, so a moved route's old port is free for the next one.)
    for (const id of this.failed.keys()) if (!wanted.has(id)) this.failed.delete(id);
    for (const route of routes) {
      const open = this.listeners.get(route.id);
      if (open) {
        open.maxConnections = route.settings.maxConnections;
        continue;
      }
      const listener = new TcpListener(route.id, route.host, this.ctx, this.events.onError);
      try {
        await listener.listen(route.settings.maxConnections);
        this.listeners.set(route.id, listener);
        this.failed.delete(route.id);
      } catch (error) {
        this.failed.set(route.id, listenProblem(`TCP route ${route.host} takes no connections`, listener, error as NodeJS.ErrnoException, 'the route'));
      }
    }
    if ([...this.failed.values()].join('\n') !== problemsBefore) this.events.onProblems();
    // Connections of removed routes drain in the background; the engine's close waits for its own.
    void Promise.all(stopping).catch((error: unknown) => this.events.onError('closing TCP routes', error));
  }
}
