// Layer 4: UDP routes (nginx `stream` with `listen … udp`). Each UDP route
// has its own socket (udp-listener.ts), opened and closed as routing tables
// change (route-listeners.ts); each client address:port is a session
// (udp-session.ts) balanced, counted and health-checked with the same
// balancer, in-flight counts, counters and health as HTTP exchanges and TCP
// connections.

import type { Route } from '../../../../shared/model';
import type { L4Context } from './l4-context';
import { listenProblem } from './listen-problem';
import { perRoute, RouteListeners, type RouteListenersEvents } from './route-listeners';
import { UdpListener } from './udp-listener';

/** Every UDP route's socket, kept in step with the config. */
export class UdpRoutes extends RouteListeners<number, Route, UdpListener> {
  constructor(ctx: L4Context, events: RouteListenersEvents) {
    super(
      {
        ...perRoute('udp'),
        name: 'UDP routes',
        code: 'UDP_LISTEN_FAILED',
        create: (id, route) => new UdpListener(id, route.host, ctx, events.onError),
        update: (listener, route) => {
          listener.maxConnections = route.settings.maxConnections;
          const serving = new Set(route.backends.filter((backend) => backend.enabled).map((backend) => backend.id));
          listener.retire((backendId) => serving.has(backendId));
        },
        problem: (listener, route, error) => listenProblem(`UDP route ${route.host} takes no datagrams`, listener, error, 'the route'),
        // Removed and moved routes' sockets close first, so a port they held is free for the routes bound below.
        waitForStops: true,
      },
      events,
    );
  }
}
