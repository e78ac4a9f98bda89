// TLS passthrough routes: several routes share one listen address and are
// told apart by the ClientHello's server name (HAProxy `req.ssl_sni`, nginx
// `ssl_preread`). One TlsListener per address, opened when its first route
// appears and closed with its last; a connection is then relayed as a TCP
// route's (tcp-relay.ts), with the same balancer, dialer, health and counters.

import type { ListenerStatus } from '../../../../shared/commands';
import type { Problem } from '../../../../shared/events';
import type { Route } from '../../../../shared/model';
import { tlsRouteParts } from '../../../../shared/route-kind';
import { listenError } from '../../os-errors';
import { clientHelloTimeoutMs } from './hello-peek';
import type { L4Context } from './l4-context';
import { removedRouteGraceMs, type TcpRoutesEvents } from './tcp-routes';
import { TlsListener, type TlsListenerRoute } from './tls-listener';

/** IPv6 literals bracketed, as in the route's URL. */
const displayAddress = (address: string) => (address.includes(':') ? `[${address}]` : address);

/** A listen failure in the words of a TCP route's (tcp-routes.ts), naming the routes that share the address. */
function listenProblem(url: string, names: readonly string[], listener: TlsListener, error: NodeJS.ErrnoException): string {
  const typed = listenError(error, displayAddress(listener.address), listener.port, 'another port');
  const lead = `TLS passthrough on ${url} (${names.join(', ')}) takes no connections`;
  if (typed.code === 'PORT_IN_USE') {
    return `${lead}: port ${listener.port} on ${displayAddress(listener.address)} is already in use by another program. Stop that program, or remove these routes and add them again with another port.`;
  }
  if (typed.code === 'PERMISSION_DENIED') {
    return `${lead}: not allowed to listen on port ${listener.port} (ports below 1024 need extra privileges). Remove these routes and add them again with a port above 1023.`;
  }
  return `${lead}: ${typed.message}`;
}

export class TlsRoutes {
  /** By listen URL (tls://127.0.0.1:8443). */
  private readonly listeners = new Map<string, TlsListener>();
  private readonly failed = new Map<string, string>();
  private readonly draining = new Set<TlsListener>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ctx: L4Context,
    private readonly events: TcpRoutesEvents,
  ) {}

  /** Opens, re-routes and closes listeners to match `routes`; `settled` resolves once it is done. */
  sync(routes: readonly Route[]): void {
    const tls = routes.filter((route) => route.kind === 'tls');
    this.queue = this.queue.then(() => this.syncNow(tls)).catch((error: unknown) => this.events.onError('opening TLS passthrough routes', error));
  }

  settled(): Promise<void> {
    return this.queue;
  }

  problems(): Problem[] {
    return [...this.failed.values()].map((message) => ({ code: 'TCP_LISTEN_FAILED' as const, message }));
  }

  status(): ListenerStatus[] {
    return [...this.listeners.values()].map((listener) => ({ kind: 'tls', address: listener.address, port: listener.port, routeIds: listener.routeIds }));
  }

  /** Open connections of a route (for its live status). */
  connections(routeId: number): number {
    let open = 0;
    for (const listener of this.listeners.values()) open += listener.connections(routeId);
    return open;
  }

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
    const byAddress = new Map<string, TlsListenerRoute[]>();
    for (const route of routes) {
      const { listenUrl, serverName } = tlsRouteParts(route.host);
      const list = byAddress.get(listenUrl) ?? [];
      list.push({ id: route.id, serverName, maxConnections: route.settings.maxConnections });
      byAddress.set(listenUrl, list);
    }
    const stopping: Promise<void>[] = [];
    for (const [url, listener] of this.listeners) {
      const wanted = byAddress.get(url);
      const kept = new Set(wanted?.map((route) => route.id));
      // Routes gone from this address (removed, or moved to another) keep their connections for a while.
      for (const id of listener.routeIds) if (!kept.has(id)) listener.retire(id, removedRouteGraceMs);
      if (wanted) continue;
      this.listeners.delete(url);
      this.draining.add(listener);
      stopping.push(listener.stop(removedRouteGraceMs).finally(() => this.draining.delete(listener)));
    }
    for (const url of this.failed.keys()) if (!byAddress.has(url)) this.failed.delete(url);
    for (const [url, wanted] of byAddress) {
      const open = this.listeners.get(url);
      if (open) {
        open.setRoutes(wanted);
        continue;
      }
      const listener = new TlsListener(url, this.ctx, clientHelloTimeoutMs, this.events.onError);
      try {
        await listener.listen(wanted);
        this.listeners.set(url, listener);
        this.failed.delete(url);
      } catch (error) {
        this.failed.set(url, listenProblem(url, wanted.map((route) => route.serverName), listener, error as NodeJS.ErrnoException));
      }
    }
    if ([...this.failed.values()].join('\n') !== problemsBefore) this.events.onProblems();
    void Promise.all(stopping).catch((error: unknown) => this.events.onError('closing TLS passthrough routes', error));
  }
}
