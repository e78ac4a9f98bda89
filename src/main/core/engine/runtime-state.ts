import type { Route } from '../../../shared/model';
import type { CompiledRoute } from './routing/routing-table';
import { RouteRateLimiter } from './limits/rate-limiter';
import { newSelectionState, type SelectionState } from './balancing/selection-policies';
import { TrafficStats } from './traffic/traffic-stats';

/** What the user set a backend to: it shows as disabled, draining/drained, or its health. */
type SwitchedTo = 'on' | 'off' | 'draining';

const switchedTo = (backend: { enabled: boolean; draining: boolean }): SwitchedTo => (!backend.enabled ? 'off' : backend.draining ? 'draining' : 'on');

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
  /** When each backend was last switched on, off or to draining (epoch ms); from the first config this engine ran. */
  private readonly switched = new Map<number, { to: SwitchedTo; at: number }>();
  /** When each backend's last request in flight ended (epoch ms): a draining backend is drained from then. */
  private readonly idleAt = new Map<number, number>();

  constructor(private readonly clock: () => number = Date.now) {}

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
      else {
        this.inFlight.delete(backendId);
        this.idleAt.set(backendId, this.clock());
      }
    };
  }

  /**
   * When the backend entered what the user set it to (epoch ms): switched
   * off or on, or to draining; for drained, when its last request ended
   * after that. A status's "since" must not predate this.
   */
  switchedAt(backendId: number): number | undefined {
    const switched = this.switched.get(backendId);
    if (!switched) return undefined;
    if (switched.to !== 'draining' || this.active(backendId) > 0) return switched.at;
    return Math.max(switched.at, this.idleAt.get(backendId) ?? switched.at);
  }

  /**
   * Drops state of routes and backends that no longer exist (in-flight
   * counts drain by themselves) and notes when a backend was switched.
   */
  retain(routes: readonly Route[]): void {
    const ids = new Set(routes.map((r) => r.id));
    const backends = routes.flatMap((r) => r.backends);
    const backendIds = new Set(backends.map((b) => b.id));
    for (const id of this.selection.keys()) if (!ids.has(id)) this.selection.delete(id);
    for (const id of this.limiters.keys()) if (!ids.has(id)) this.limiters.delete(id);
    this.stats.retain(ids, backendIds);
    const now = this.clock();
    for (const backend of backends) {
      const to = switchedTo(backend);
      if (this.switched.get(backend.id)?.to !== to) this.switched.set(backend.id, { to, at: now });
    }
    for (const map of [this.switched, this.idleAt]) for (const id of map.keys()) if (!backendIds.has(id)) map.delete(id);
  }
}
