import type { BackendStats, BackendStatus, RouteLive } from '../../shared/events';
import type { Backend, Route } from '../../shared/model';

/** A route's worst state, as the list's marker shows it. */
export type RouteState = 'healthy' | 'checking' | 'unchecked' | 'degraded' | 'down' | 'empty';

export const routeStateLabels: Record<RouteState, string> = {
  healthy: 'All healthy',
  checking: 'Checking',
  unchecked: 'Health checks off',
  degraded: 'Degraded',
  down: 'Down',
  empty: 'No backends',
};

export function backendStatus(backend: Backend, stats: BackendStats | undefined): BackendStatus {
  return stats?.status ?? (backend.enabled ? 'unknown' : 'disabled');
}

/** Backends new requests may go to: the engine's count, or until it has spoken every backend in service. */
export function receivingCount(route: Route, live: RouteLive | undefined): number {
  return live?.receiving ?? route.backends.filter((b) => b.enabled && !b.draining).length;
}

/**
 * Down: no backend takes traffic (requests get 503). Degraded: one in
 * service failed its checks or was ejected, or the route is in panic mode.
 * Switched off or drained by the user is intent, not trouble.
 */
export function routeState(route: Route, backends: Record<string, BackendStats>, live: RouteLive | undefined): RouteState {
  if (route.backends.length === 0) return 'empty';
  if (receivingCount(route, live) === 0) return 'down';
  const statuses = route.backends.map((b) => backendStatus(b, backends[b.id]));
  if (live?.panic || statuses.some((s) => s === 'unhealthy' || s === 'ejected')) return 'degraded';
  if (statuses.includes('healthy')) return 'healthy';
  // With checks off nothing will ever be checked: say so rather than "checking" forever.
  return route.settings.healthCheck === 'off' ? 'unchecked' : 'checking';
}

/** How the summary groups backend statuses. */
export type StatusGroup = 'healthy' | 'down' | 'ejected' | 'draining' | 'off' | 'checking' | 'unchecked';

const groupOf: Record<BackendStatus, StatusGroup> = {
  healthy: 'healthy',
  unhealthy: 'down',
  ejected: 'ejected',
  draining: 'draining',
  drained: 'draining',
  disabled: 'off',
  unknown: 'checking',
};

export const statusGroups: StatusGroup[] = ['healthy', 'down', 'ejected', 'draining', 'off', 'checking', 'unchecked'];

export interface Summary {
  routes: number;
  /** Routes by worst state. */
  down: number;
  degraded: number;
  backends: Record<StatusGroup, number>;
  /** Undefined until the engine reports it. */
  errorsLastMinute: number | undefined;
}

export function summarize(routes: Route[], backends: Record<string, BackendStats>, routeLive: Record<string, RouteLive>): Summary {
  const counts: Record<StatusGroup, number> = { healthy: 0, down: 0, ejected: 0, draining: 0, off: 0, checking: 0, unchecked: 0 };
  let down = 0;
  let degraded = 0;
  let errors: number | undefined;
  for (const route of routes) {
    const live = routeLive[route.id];
    const state = routeState(route, backends, live);
    if (state === 'down') down += 1;
    if (state === 'degraded') degraded += 1;
    if (live?.errorsLastMinute !== undefined) errors = (errors ?? 0) + live.errorsLastMinute;
    for (const backend of route.backends) {
      const group = groupOf[backendStatus(backend, backends[backend.id])];
      counts[group === 'checking' && route.settings.healthCheck === 'off' ? 'unchecked' : group] += 1;
    }
  }
  return { routes: routes.length, down, degraded, backends: counts, errorsLastMinute: errors };
}

export function sameSummary(a: Summary, b: Summary): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
