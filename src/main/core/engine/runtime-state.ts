import type { Route } from '../../../shared/model';
import type { CompiledRoute } from './routing-table';
import { RouteRateLimiter } from './rate-limiter';
import { newSelectionState, type SelectionState } from './selection-policies';
import { TrafficStats } from './traffic-stats';

/**
 * Upstream state that outlives routing-table swaps (Caddy's hosts.go):
 * balancer state per route, requests in flight per backend. Keyed by id so
 * editing a route keeps its cursors and counts.
 */
export class RuntimeState {
  private readonly selection = new Map<number, SelectionState>();
  private readonly inFlight = new Map<number, number>();
  readonly stats = new TrafficStats();
  private readonly limiters = new Map<number, RouteRateLimiter>();

  /** The route's rate limiter, or undefined when it has none; buckets persist until the limit changes. */
  limiterFor(route: CompiledRoute): RouteRateLimiter | undefined {
    const settings = route.settings;
    if (settings.rateLimitRps <= 0) return undefined;
    let limiter = this.limiters.get(route.id);
    if (!limiter || !limiter.matches(settings)) {
      limiter = new RouteRateLimiter(settings.rateLimitRps, settings.rateLimitBurst, settings.rateLimitPer);
      this.limiters.set(route.id, limiter);
    }
    return limiter;
  }

  selectionFor(routeId: number): SelectionState {
    let state = this.selection.get(routeId);
    if (!state) this.selection.set(routeId, (state = newSelectionState()));
    return state;
  }

  readonly active = (backendId: number): number => this.inFlight.get(backendId) ?? 0;

  /** Counts a request in flight to `backendId`; call the returned function exactly once when it ends. */
  begin(backendId: number): () => void {
    this.inFlight.set(backendId, this.active(backendId) + 1);
    this.stats.version += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.stats.version += 1;
      const left = this.active(backendId) - 1;
      if (left > 0) this.inFlight.set(backendId, left);
      else this.inFlight.delete(backendId);
    };
  }

  /** Drops state of routes that no longer exist; in-flight counts drain by themselves. */
  retain(routes: readonly Route[]): void {
    const ids = new Set(routes.map((r) => r.id));
    for (const id of this.selection.keys()) if (!ids.has(id)) this.selection.delete(id);
    for (const id of this.limiters.keys()) if (!ids.has(id)) this.limiters.delete(id);
    this.stats.retain(ids, new Set(routes.flatMap((r) => r.backends.map((b) => b.id))));
  }
}
