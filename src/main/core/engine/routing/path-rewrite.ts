/**
 * The request target sent upstream. With `strip`, the route's prefix is cut
 * from the path (`/api/users?x=1` on route `/api` → `/users?x=1`), leaving at
 * least `/`, as Traefik's StripPrefix and Caddy's handle_path do.
 */
export function upstreamTarget(url: string, routePath: string, strip: boolean): string {
  if (!strip || routePath === '/' || !url.startsWith(routePath)) return url;
  const rest = url.slice(routePath.length);
  if (rest === '') return '/';
  return rest.startsWith('/') ? rest : `/${rest}`;
}
