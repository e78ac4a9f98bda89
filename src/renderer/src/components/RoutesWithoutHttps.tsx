import type { RouteWithoutHttps } from '../../../shared/certificates';
import { routeLabel } from '../../../shared/route-label';

/**
 * Routes whose host the CA may not certify: the HTTPS listener answers them
 * with its default certificate, which browsers refuse for that name. Each
 * with the core's sentence, which says which domain to add.
 */
export function RoutesWithoutHttps({ routes }: { routes: RouteWithoutHttps[] }) {
  if (routes.length === 0) return null;
  return (
    <section className="card without-https" aria-labelledby="without-https-title">
      <h2 id="without-https-title">
        {routes.length === 1 ? '1 route has' : `${routes.length} routes have`} no HTTPS certificate
      </h2>
      <ul>
        {routes.map((route) => (
          <li key={route.id}>
            <code>{routeLabel(route)}</code> <span className="muted">{route.reason}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
