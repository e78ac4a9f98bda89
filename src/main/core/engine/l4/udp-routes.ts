// Layer 4: UDP routes (nginx `stream` with `listen … udp`). Each UDP route
// has its own socket (udp-listener.ts), opened and closed as routing tables
// change; each client address:port is a session (udp-session.ts) balanced,
// counted and health-checked with the same balancer, in-flight counts,
// counters and health as HTTP exchanges and TCP connections.

import type { ListenerStatus } from '../../../../shared/commands';
import type { Problem } from '../../../../shared/events';
import type { Route } from '../../../../shared/model';
import type { L4Context } from './l4-context';
import { listenProblem } from './listen-problem';
import { UdpListener } from './udp-listener';

export interface UdpRoutesEvents {
  /** The list of UDP routes that cannot listen changed. */
  onProblems: () => void;
  onError: (context: string, error: unknown) => void;
}

/**
 * Every UDP route's socket, kept in step with the config. `sync` runs one at
 * a time, in order; a route whose address cannot be bound is a problem
 * (status, problems.changed) and the rest of Switchyard runs on. It is tried
 * again at the next config change, as a port may have been freed meanwhile.
 */
export class UdpRoutes {
  private readonly listeners = new Map<number, UdpListener>();
  private readonly failed = new Map<number, string>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ctx: L4Context,
    private readonly events: UdpRoutesEvents,
  ) {}

  /** Opens, re-limits and closes sockets to match `routes`; `settled` resolves once it is done. */
  sync(routes: readonly Route[]): void {
    const udp = routes.filter((route) => route.kind === 'udp');
    this.queue = this.queue.then(() => this.syncNow(udp)).catch((error: unknown) => this.events.onError('opening UDP routes', error));
  }

  /** Resolves once every sync asked for so far has bound or failed. */
  settled(): Promise<void> {
    return this.queue;
  }

  problems(): Problem[] {
    return [...this.failed.values()].map((message) => ({ code: 'UDP_LISTEN_FAILED' as const, message }));
  }

  status(): ListenerStatus[] {
    return [...this.listeners.values()].map((listener) => ({ kind: 'udp', address: listener.address, port: listener.port, routeId: listener.routeId }));
  }

  /** Stops every socket and ends every session. No socket opens after this. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((listener) => listener.stop()));
  }

  private async syncNow(routes: readonly Route[]): Promise<void> {
    if (this.closed) return;
    const problemsBefore = [...this.failed.values()].join('\n');
    const wanted = new Map(routes.map((route) => [route.id, route]));
    // Removed and moved routes' sockets close first, so a port they held is free for the routes bound below.
    const stopping: Promise<void>[] = [];
    for (const [id, listener] of this.listeners) {
      if (wanted.get(id)?.host === listener.url) continue;
      this.listeners.delete(id);
      stopping.push(listener.stop());
    }
    await Promise.all(stopping);
    for (const id of this.failed.keys()) if (!wanted.has(id)) this.failed.delete(id);
    for (const route of routes) {
      const open = this.listeners.get(route.id);
      if (open) {
        open.maxConnections = route.settings.maxConnections;
        const serving = new Set(route.backends.filter((backend) => backend.enabled).map((backend) => backend.id));
        open.retire((backendId) => serving.has(backendId));
        continue;
      }
      const listener = new UdpListener(route.id, route.host, this.ctx, this.events.onError);
      try {
        await listener.listen(route.settings.maxConnections);
        this.listeners.set(route.id, listener);
        this.failed.delete(route.id);
      } catch (error) {
        await listener.stop();
        this.failed.set(route.id, listenProblem(`UDP route ${route.host} takes no datagrams`, listener, error as NodeJS.ErrnoException, 'the route'));
      }
    }
    if ([...this.failed.values()].join('\n') !== problemsBefore) this.events.onProblems();
  }
}
