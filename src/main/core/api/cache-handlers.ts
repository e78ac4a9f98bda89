import type { CacheRouteStats } from '../../../shared/cache';
import type { CommandName, CommandResult, ParsedCommandInput } from '../../../shared/commands';
import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import type { HttpCache } from '../engine/cache/http-cache';

// The cache commands over the engine's HttpCache: its counters per route,
// named as routes are, and purges (a route id is checked against the store
// so a wrong one says so instead of purging nothing).

type CacheCommand = Extract<CommandName, `cache.${string}`>;

export interface CacheDeps {
  cache: Pick<HttpCache, 'stats' | 'purge'>;
  routes: () => Route[];
  /** Throws ROUTE_NOT_FOUND with the repository's sentence. */
  route: (id: number) => Route;
}

export function createCacheHandlers({ cache, routes, route }: CacheDeps): {
  [N in CacheCommand]: (input: ParsedCommandInput<N>) => CommandResult<N>;
} {
  return {
    'cache.stats': () =>
      routes()
        .filter((r) => r.kind === 'http' && r.settings.cache)
        .map((r): CacheRouteStats => {
          const stats = cache.stats(r.id);
          const asked = stats.hits + stats.misses;
          return { ...stats, route: routeLabel(r), hitRatio: asked === 0 ? null : stats.hits / asked };
        }),
    'cache.purge': (input) => {
      if (input.routeId !== undefined) route(input.routeId);
      return cache.purge(input);
    },
  };
}
