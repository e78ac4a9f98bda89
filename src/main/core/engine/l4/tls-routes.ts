// TLS passthrough routes: several routes share one listen address and are
// told apart by the ClientHello's server name (HAProxy `req.ssl_sni`, nginx
// `ssl_preread`). One TlsListener per address, opened when its first route
// appears and closed with its last; a connection is then relayed as a TCP
// route's (tcp-relay.ts), with the same balancer, dialer, health and counters.

import type { ListenerStatus } from '../../../../shared/commands';
import type { Problem } from '../../../../shared/events';
import type { Route } from '../../../../shared/model';
import { tlsRouteParts } from '../../../../shared/route-kind';
import { clientHelloTimeoutMs } from './hello-peek';
import type { L4Context } from './l4-context';
import { listenProblem } from './listen-problem';
import { removedRouteGraceMs, type TcpRoutesEvents } from './tcp-routes';
import { TlsListener, type TlsListenerRoute } from './tls-listener';

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
        const lead = `TLS passthrough on ${url} (${wanted.map((route) => route.serverName).join(', ')}) takes no connections`;
        this.failed.set(url, listenProblem(lead, listener, error as NodeJS.ErrnoException, 'these routes'));
      }
    }
    if ([...this.failed.values()].join('\n') !== problemsBefore) this.events.onProblems();
    void Promise.all(stopping).catch((error: unknown) => this.events.onError('closing TLS passthrough routes', error));
  }
}
