import type { Route } from './model';

/** One state the whole app agrees on (UI, CLI, notifications). */
export type BackendStatus = 'unknown' | 'healthy' | 'unhealthy' | 'ejected' | 'draining' | 'drained' | 'disabled';

export interface CheckResult {
  ok: boolean;
  detail: string;
  latencyMs: number;
  at: string;
}

export interface BackendStats {
  status: BackendStatus;
  /** Why, in words: "3 consecutive checks failed: connect ECONNREFUSED 127.0.0.1:3001". */
  reason: string;
  /** When it entered this status. */
  since: string;
  lastCheck: CheckResult | null;
  /** The last active check results, oldest first (for a sparkline). */
  checks: boolean[];
  /** Requests this backend answered since it was configured (or the app started). */
  served: number;
  /** Answered requests per second, over the last second or so. */
  rps: number;
  /** Its fraction (0..1) of the route's last 100 answered requests. */
  share: number;
  /** Requests in flight to it now. */
  active: number;
  /** Connect errors, resets and timeouts seen on real traffic. */
  failures: number;
}

/** What the engine's routing table does with a route right now. */
export interface RouteLive {
  /** Backends new requests may go to. */
  receiving: number;
  /** Too few healthy backends: every backend in service takes traffic. */
  panic: boolean;
}

export interface TrafficSnapshot {
  at: string;
  /** By backend id. */
  backends: Record<string, BackendStats>;
  /** By route id. */
  routes: Record<string, RouteLive>;
}

export type TimelineKind = 'up' | 'down' | 'ejected' | 'returned' | 'drained' | 'config';

export interface TimelineEntry {
  id: number;
  at: string;
  routeId: number | null;
  backendId: number | null;
  kind: TimelineKind;
  message: string;
}

/**
 * Something wrong with Switchyard itself (not a backend) that the user
 * should see until it is gone: the UI shows a banner, `status` a line.
 */
export interface Problem {
  code: 'HISTORY_NOT_SAVED';
  message: string;
}

/** Every event the core pushes to the UI, declared once like the commands. */
export interface Events {
  /** The whole current list, at once on every change (empty: all is well). */
  'problems.changed': Problem[];
  'config.changed': { revision: number; routes: Route[] };
  /** Health and counters: at once on a health change, else at most once a second while traffic flows. */
  'backends.changed': TrafficSnapshot;
  'timeline.added': TimelineEntry;
}

export type EventName = keyof Events;

export const eventNames: EventName[] = ['config.changed', 'backends.changed', 'timeline.added', 'problems.changed'];

export type SwitchyardEvent = {
  [N in EventName]: { name: N; payload: Events[N] };
}[EventName];
