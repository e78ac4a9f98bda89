import type { CompiledRoute } from '../routing/routing-table';
import { RouteRateLimiter } from './rate-limiter';

// Admission limits per route. A limiter's buckets outlive routing-table
// swaps and are replaced only when the route's limit itself changes.

export class RouteLimiters {
  private readonly limiters = new Map<number, RouteRateLimiter>();

  /** The route's rate limiter, or undefined when it has none. */
  for(route: CompiledRoute): RouteRateLimiter | undefined {
    const settings = route.settings;
    if (settings.rateLimitRps <= 0) return undefined;
    let limiter = this.limiters.get(route.id);
    if (!limiter || !limiter.matches(settings)) {
      limiter = new RouteRateLimiter(settings.rateLimitRps, settings.rateLimitBurst, settings.rateLimitPer);
      this.limiters.set(route.id, limiter);
    }
    return limiter;
  }

  retain(routeIds: ReadonlySet<number>): void {
    for (const id of this.limiters.keys()) if (!routeIds.has(id)) this.limiters.delete(id);
  }
}
