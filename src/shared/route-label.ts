/** How a route is named to people: `api.myapp.localhost`, or `api.myapp.localhost/v1` with a path prefix. */
export function routeLabel(route: { host: string; path: string }): string {
  return route.path === '/' ? route.host : `${route.host}${route.path}`;
}
