// TLS passthrough routes: several routes share one listen address and are
// told apart by the ClientHello's server name (HAProxy `req.ssl_sni`, nginx
// `ssl_preread`). One TlsListener per address, opened when its first route
// appears and closed with its last (route-listeners.ts, keyed by the
// address); a connection is then relayed as a TCP route's (tcp-relay.ts),
// with the same balancer, dialer, health and counters.

import type { Route } from '../../../../shared/model';
import { tlsRouteParts } from '../../../../shared/route-kind';
import { clientHelloTimeoutMs } from './hello-peek';
import type { L4Context } from './l4-context';
import { listenProblem } from './listen-problem';
import { removedRouteGraceMs, RouteListeners, type RouteListenersEvents } from './route-listeners';
import { TlsListener, type TlsListenerRoute } from './tls-listener';

/** Every TLS passthrough address's listener (by listen URL, tls://127.0.0.1:8443), kept in step with the config. */
export class TlsRoutes extends RouteListeners<string, TlsListenerRoute[], TlsListener> {
  constructor(ctx: L4Context, events: RouteListenersEvents) {
    super(
      {
        routeKind: 'tls',
        name: 'TLS passthrough routes',
        // A TLS passthrough listener is a TCP one: its bind fails as a TCP route's does.
        code: 'TCP_LISTEN_FAILED',
        wanted: byAddress,
        // Keyed by the address itself: a listener is wanted while any route is on it.
        fits: () => true,
        create: (url) => new TlsListener(url, ctx, clientHelloTimeoutMs, events.onError),
        listen: (listener, routes) => listener.listen(routes),
        update: (listener, routes) => {
          const kept = new Set(routes.map((route) => route.id));
          // Routes gone from this address (removed, or moved to another) keep their connections for a while.
          for (const id of listener.routeIds) if (!kept.has(id)) listener.retire(id, removedRouteGraceMs);
          listener.setRoutes(routes);
        },
        problem: (listener, routes, error) => {
          const lead = `TLS passthrough on ${listener.url} (${routes.map((route) => route.serverName).join(', ')}) takes no connections`;
          return listenProblem(lead, listener, error, 'these routes');
        },
        status: (listener) => ({ kind: 'tls', address: listener.address, port: listener.port, routeIds: listener.routeIds }),
        waitForStops: false,
      },
      events,
    );
  }
}

/** The routes on each listen address, as the listener routes by them. */
function byAddress(routes: readonly Route[]): Map<string, TlsListenerRoute[]> {
  const grouped = new Map<string, TlsListenerRoute[]>();
  for (const route of routes) {
    const { listenUrl, serverName } = tlsRouteParts(route.host);
    const list = grouped.get(listenUrl) ?? [];
    list.push({ id: route.id, serverName, maxConnections: route.settings.maxConnections });
    grouped.set(listenUrl, list);
  }
  return grouped;
}
