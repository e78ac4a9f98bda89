// Layer 4: TCP routes (nginx `stream`, HAProxy `mode tcp`). Each TCP route
// has its own listener (tcp-listener.ts), opened and closed as routing
// tables change (route-listeners.ts); each connection (tcp-relay.ts) is
// balanced, dialed, retried and counted with the same balancer, dialer,
// failures, in-flight counts and health as HTTP exchanges, then relayed as
// bytes.

import type { Route } from '../../../../shared/model';
import type { L4Context } from './l4-context';
import { listenProblem } from './listen-problem';
import { perRoute, RouteListeners, type RouteListenersEvents } from './route-listeners';
import { TcpListener } from './tcp-listener';

/** Every TCP route's listener, kept in step with the config. */
export class TcpRoutes extends RouteListeners<number, Route, TcpListener> {
  constructor(ctx: L4Context, events: RouteListenersEvents) {
    super(
      {
        ...perRoute('tcp'),
        name: 'TCP routes',
        code: 'TCP_LISTEN_FAILED',
        create: (id, route) => new TcpListener(id, route.host, ctx, events.onError),
        update: (listener, route) => {
          listener.maxConnections = route.settings.maxConnections;
        },
        problem: (listener, route, error) => listenProblem(`TCP route ${route.host} takes no connections`, listener, error, 'the route'),
        waitForStops: false,
      },
      events,
    );
  }
}
