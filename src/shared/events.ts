import type { Route } from './model';
import type { TrafficBatch } from './traffic';

/** One state the whole app agrees on (UI, CLI, notifications). */
export type BackendStatus = 'unknown' | 'healthy' | 'unhealthy' | 'ejected' | 'draining' | 'drained' | 'disabled';

export interface CheckResult {
  ok: boolean;
  detail: string;
  latencyMs: number;
  at: string;
}

/** Answers by status class (1xx interim answers and 101 upgrades are in none). */
export interface StatusClasses {
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
}

/** Answers Switchyard gave itself instead of a backend, by status. */
export interface LocalAnswers {
  /** Rate limited. */
  '429': number;
  /** No backend answered (every attempt failed). */
  '502': number;
  /** No backend available (none configured, switched on or healthy). */
  '503': number;
  /** The request came back through this Switchyard: a loop. */
  '508': number;
}

export interface BackendStats {
  status: BackendStatus;
  /** Why, in words: "3 consecutive checks failed: connect ECONNREFUSED 127.0.0.1:3001". */
  reason: string;
  /** When it entered this status (for disabled, draining and drained: when that was switched). */
  since: string;
  lastCheck: CheckResult | null;
  /** The last active check results, oldest first (for a sparkline). */
  checks: boolean[];
  /** Requests this backend answered since it was configured (or the app started). */
  served: number;
  /** Answered requests per second, over the last second. */
  rps: number;
  /** Its fraction (0..1) of the route's answers over the last minute. */
  share: number;
  /** Requests in flight to it now. */
  active: number;
  /** Connect errors, resets and timeouts seen on real traffic. */
  failures: number;
  /** Its answers since it was configured, by status class. */
  responses: StatusClasses;
  /** Attempts on it that failed and were retried on another backend. */
  retries: number;
  /** Milliseconds from the attempt's start to the response head, over the last minute; null without answers then. */
  latency: { p50: number | null; p95: number | null };
  /** Request body bytes sent to it. */
  bytesIn: number;
  /** Response body bytes received from it. */
  bytesOut: number;
  /** UDP routes: datagrams sent to it (their bytes are in bytesIn). */
  datagramsIn?: number;
  /** UDP routes: datagrams received from it (their bytes are in bytesOut). */
  datagramsOut?: number;
  /** 0..1: (failed attempts + 5xx answers) / attempts, over the last minute; 0 without attempts. */
  errorRate: number;
}

/** What the engine's routing table does with a route right now, and what its clients got. */
export interface RouteLive {
  /** Backends new requests may go to. */
  receiving: number;
  /** Too few healthy backends: every backend in service takes traffic. */
  panic: boolean;
  /** Every request the route took since it was configured, those Switchyard answered itself included. */
  requests: number;
  /** Requests per second, over the last second. */
  rps: number;
  /** What its clients got, from backends and from Switchyard, by status class. */
  responses: StatusClasses;
  /** Answered by Switchyard itself. */
  local: LocalAnswers;
  /** 5xx answers sent to clients plus failed attempts, in the last 60 s. */
  errorsLastMinute: number;
}

export interface TrafficSnapshot {
  at: string;
  /** By backend id. */
  backends: Record<string, BackendStats>;
  /** By route id. */
  routes: Record<string, RouteLive>;
}

/** What a `backends.changed` push carries. */
export interface TrafficUpdate extends TrafficSnapshot {
  /**
   * true: every backend and route, to replace what the receiver holds;
   * false: only the backends whose status changed since the last push, and
   * their routes, to merge into it (issue 11: idle pushes cost what changed,
   * not what exists).
   */
  complete: boolean;
}

/** A route's recent traffic second by second, oldest first (for its charts). */
export interface RouteHistory {
  /** The last second the arrays cover (ISO time, whole seconds). */
  end: string;
  /** Requests the route took each second. */
  requests: number[];
  /** 5xx sent to clients and failed attempts each second. */
  errors: number[];
  /** Latency to the response head, in ms, estimated from a histogram; null in seconds without answers. */
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
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
  /** TCP_LISTEN_FAILED, UDP_LISTEN_FAILED: a TCP or UDP route could not listen (port taken, no rights); the rest of Switchyard runs on. */
  /** STANDARD_PORTS_REFUSED: the useStandardPorts setting could not take 80 or 443, so the usual port serves. */
  code: 'HISTORY_NOT_SAVED' | 'ACCESS_LOG_FAILED' | 'TCP_LISTEN_FAILED' | 'UDP_LISTEN_FAILED' | 'STANDARD_PORTS_REFUSED';
  message: string;
  /** The one command that fixes it, for a copy button (never running as root). */
  fix?: string;
}

/** Every event the core pushes to the UI, declared once like the commands. */
export interface Events {
  /** The whole current list, at once on every change (empty: all is well). */
  'problems.changed': Problem[];
  'config.changed': { revision: number; routes: Route[] };
  /**
   * Health and counters: the backends whose status changed, at once after a
   * quiet spell and then at most every 250 ms; everything after a config
   * change, and once a second while traffic flows.
   */
  'backends.changed': TrafficUpdate;
  'timeline.added': TimelineEntry;
  /** New exchanges, batched a few times a second while anyone listens (a sample at high rates). */
  'traffic.added': TrafficBatch;
  /** The CA or its certificates changed (issued, regenerated, removed, domains set): views refetch `certificates.get`. Never carries a key. */
  'certificates.changed': { what: string };
}

export type EventName = keyof Events;

export const eventNames: EventName[] = ['config.changed', 'backends.changed', 'timeline.added', 'problems.changed', 'traffic.added', 'certificates.changed'];

export type SwitchyardEvent = {
  [N in EventName]: { name: N; payload: Events[N] };
}[EventName];
