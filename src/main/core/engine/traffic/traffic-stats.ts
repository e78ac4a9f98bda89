// Traffic: what the engine saw, kept two ways. Counters (this file, with
// per-second rings for rates and the charts' 15-minute history) feed the
// live status at a fixed cost per request; records (record-ring.ts) keep
// the last exchanges whole for the Traffic view, `switchyard logs` and the
// access log. Neither is read on a request's path.

import type { BackendStats, LocalAnswers, RouteHistory, RouteLive, StatusClasses } from '../../../../shared/events';
import { LatencyRing } from './latency-ring';
import { RouteHistoryRing } from './route-history';
import { SecondRing } from './second-ring';

export type TrafficCounters = Omit<BackendStats, 'status' | 'reason' | 'since' | 'lastCheck' | 'checks'>;
export type RouteCounters = Omit<RouteLive, 'receiving' | 'panic'>;

/** Statuses Switchyard answers itself, in the order of their counters. */
export type LocalStatus = 429 | 502 | 503 | 508;
const localStatuses: readonly LocalStatus[] = [429, 502, 503, 508];

// Channels of the per-second rings.
const answersChannel = 0;
const attemptsChannel = 1;
const backendErrorsChannel = 2;
const backendChannels = 3;
const requestsChannel = 0;
const routeErrorsChannel = 1;
const routeChannels = 2;

const statusClassCount = 4;

/** 2xx → 0 … 5xx → 3; -1 for statuses in no class (1xx, 101 upgrades, nonsense). */
function statusClass(status: number): number {
  const index = Math.floor(status / 100) - 2;
  return index >= 0 && index < statusClassCount ? index : -1;
}

const serverErrorClass = statusClass(500);

function classes(counts: Float64Array): StatusClasses {
  return { '2xx': counts[0]!, '3xx': counts[1]!, '4xx': counts[2]!, '5xx': counts[3]! };
}

/** One decimal place for rates: "0.4 req/s" says more than 0 at a developer's pace. */
const tenths = (value: number) => Math.round(value * 10) / 10;

class BackendCounters {
  served = 0;
  readonly responses = new Float64Array(statusClassCount);
  retries = 0;
  failures = 0;
  bytesIn = 0;
  bytesOut = 0;
  datagramsIn = 0;
  datagramsOut = 0;
  readonly window = new SecondRing(backendChannels);
  readonly latency = new LatencyRing();
}

class RouteCountersState {
  requests = 0;
  readonly responses = new Float64Array(statusClassCount);
  readonly local = new Float64Array(localStatuses.length);
  readonly window = new SecondRing(routeChannels);
  /** The last 15 minutes for the route's charts. */
  readonly history = new RouteHistoryRing();
}

// Read, never written: what a snapshot shows for a backend or route with no traffic yet.
const noBackendTraffic = new BackendCounters();
const noRouteTraffic = new RouteCountersState();

/**
 * Counters per backend and per route, as HAProxy's stats page keeps them:
 * totals since configured plus per-second rings for the last minute (share,
 * error rate, rates) and a latency ring. Recording is a map lookup and a few
 * typed-array writes, nothing allocated per request; percentiles and sums are
 * computed only when a snapshot is taken. `version` moves on every change so
 * the core only pushes a snapshot when something happened.
 */
export class TrafficStats {
  private readonly backends = new Map<number, BackendCounters>();
  private readonly routes = new Map<number, RouteCountersState>();
  version = 0;

  /** `now` is a monotonic clock in ms (injected by tests to move through the window). */
  constructor(readonly now: () => number = () => performance.now()) {}

  /** The route took a request, whoever ends up answering it. */
  recordRequest(routeId: number): void {
    const route = this.route(routeId);
    route.requests += 1;
    const now = this.now();
    route.window.add(now, requestsChannel);
    route.history.request(now);
    this.version += 1;
  }

  /** Switchyard answered the route's request itself. */
  recordLocal(routeId: number, status: LocalStatus): void {
    const route = this.route(routeId);
    route.local[localStatuses.indexOf(status)]! += 1;
    this.countClientAnswer(route, status, this.now());
    this.version += 1;
  }

  /** Switchyard redirected the route's request (to HTTPS): one of the route's 3xx answers, none of its local failures. */
  recordRedirect(routeId: number, status: number): void {
    this.countClientAnswer(this.route(routeId), status, this.now());
    this.version += 1;
  }

  /** The route's cache answered (a hit, or a stale copy while its backends are down): one of its answers, no backend's. */
  recordCached(routeId: number, status: number): void {
    this.countClientAnswer(this.route(routeId), status, this.now());
    this.version += 1;
  }

  /** The backend sent a response head `latencyMs` after the attempt began. */
  recordAnswer(routeId: number, backendId: number, status: number, latencyMs: number): void {
    const now = this.now();
    const backend = this.backend(backendId);
    const index = statusClass(status);
    backend.served += 1;
    if (index >= 0) backend.responses[index]! += 1;
    backend.window.add(now, answersChannel);
    backend.window.add(now, attemptsChannel);
    if (index === serverErrorClass) backend.window.add(now, backendErrorsChannel);
    backend.latency.add(now, latencyMs);
    const route = this.route(routeId);
    route.history.latency(now, latencyMs);
    this.countClientAnswer(route, status, now);
    this.version += 1;
  }

  /** An attempt on the backend failed (connect error, reset, timeout); `retried` if it went on to another backend. */
  recordFailure(routeId: number, backendId: number, retried: boolean): void {
    const now = this.now();
    const backend = this.backend(backendId);
    backend.failures += 1;
    if (retried) backend.retries += 1;
    backend.window.add(now, attemptsChannel);
    backend.window.add(now, backendErrorsChannel);
    const route = this.route(routeId);
    route.window.add(now, routeErrorsChannel);
    route.history.error(now);
    this.version += 1;
  }

  /** Body bytes of one exchange: `sent` to the backend, `received` from it. */
  recordBytes(backendId: number, sent: number, received: number): void {
    const backend = this.backend(backendId);
    backend.bytesIn += sent;
    backend.bytesOut += received;
    this.version += 1;
  }

  /** A UDP route relayed one datagram of `bytes` to the backend (`toBackend`) or from it. */
  recordDatagram(backendId: number, toBackend: boolean, bytes: number): void {
    const backend = this.backend(backendId);
    if (toBackend) {
      backend.datagramsIn += 1;
      backend.bytesIn += bytes;
    } else {
      backend.datagramsOut += 1;
      backend.bytesOut += bytes;
    }
    this.version += 1;
  }

  failures(backendId: number): number {
    return this.backends.get(backendId)?.failures ?? 0;
  }

  /** Whether the last minute holds any traffic: while it does, windowed figures keep moving without new traffic. */
  windowHoldsData(): boolean {
    const now = this.now();
    for (const route of this.routes.values()) if (route.window.holdsData(now)) return true;
    for (const backend of this.backends.values()) if (backend.window.holdsData(now)) return true;
    return false;
  }

  snapshot(routes: readonly { id: number; backends: readonly { id: number }[] }[], active: (id: number) => number): Map<number, TrafficCounters> {
    const now = this.now();
    const out = new Map<number, TrafficCounters>();
    for (const route of routes) {
      let routeAnswers = 0;
      for (const { id } of route.backends) routeAnswers += this.backends.get(id)?.window.sum(now, answersChannel) ?? 0;
      for (const { id } of route.backends) out.set(id, this.backendCounters(id, now, routeAnswers, active(id)));
    }
    return out;
  }

  routeSnapshot(routeId: number): RouteCounters {
    const now = this.now();
    const route = this.routes.get(routeId) ?? noRouteTraffic;
    const local = route.local;
    return {
      requests: route.requests,
      rps: tenths(route.window.rate(now, requestsChannel)),
      responses: classes(route.responses),
      local: { '429': local[0]!, '502': local[1]!, '503': local[2]!, '508': local[3]! } satisfies LocalAnswers,
      errorsLastMinute: route.window.sum(now, routeErrorsChannel),
    };
  }

  /** Forgets routes and backends that no longer exist. */
  retain(routeIds: ReadonlySet<number>, backendIds: ReadonlySet<number>): void {
    for (const id of this.routes.keys()) if (!routeIds.has(id)) this.routes.delete(id);
    for (const id of this.backends.keys()) if (!backendIds.has(id)) this.backends.delete(id);
  }

  private backendCounters(id: number, now: number, routeAnswers: number, active: number): TrafficCounters {
    const backend = this.backends.get(id) ?? noBackendTraffic;
    const attempts = backend.window.sum(now, attemptsChannel);
    return {
      served: backend.served,
      rps: tenths(backend.window.rate(now, answersChannel)),
      share: routeAnswers > 0 ? backend.window.sum(now, answersChannel) / routeAnswers : 0,
      active,
      failures: backend.failures,
      responses: classes(backend.responses),
      retries: backend.retries,
      latency: backend.latency.percentiles(now),
      bytesIn: backend.bytesIn,
      bytesOut: backend.bytesOut,
      datagramsIn: backend.datagramsIn,
      datagramsOut: backend.datagramsOut,
      errorRate: attempts > 0 ? backend.window.sum(now, backendErrorsChannel) / attempts : 0,
    };
  }

  /** What the client got: by class, and 5xx as an error of the last minute. */
  private countClientAnswer(route: RouteCountersState, status: number, now: number): void {
    const index = statusClass(status);
    if (index >= 0) route.responses[index]! += 1;
    if (index === serverErrorClass) {
      route.window.add(now, routeErrorsChannel);
      route.history.error(now);
    }
  }

  /** The route's last `seconds` seconds (at most 15 minutes), for its charts; zeros before its first request. */
  history(routeId: number, seconds: number): RouteHistory {
    return (this.routes.get(routeId) ?? noRouteTraffic).history.read(this.now(), Date.now(), seconds);
  }

  private backend(id: number): BackendCounters {
    let counters = this.backends.get(id);
    if (!counters) this.backends.set(id, (counters = new BackendCounters()));
    return counters;
  }

  private route(id: number): RouteCountersState {
    let counters = this.routes.get(id);
    if (!counters) this.routes.set(id, (counters = new RouteCountersState()));
    return counters;
  }
}
