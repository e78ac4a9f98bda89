import type { ListenerStatus } from '../../../shared/commands';
import type { BackendStats, Problem, RouteHistory, RouteLive } from '../../../shared/events';
import type { Route } from '../../../shared/model';
import type { ProxySettings } from '../../../shared/proxy-settings';
import type { ConnectionOptions } from './http/http1/client-connection';
import { closeServer } from '../listen';
import { portName, type PortNaming } from '../port-naming';
import * as wording from '../wording';
import { startHttpListener } from './listeners/http-listener';
import type { Http1Server } from './http/http1/server';
import { viaPseudonym } from './http/forwarded-headers';
import { createProxyHandler, createUpgradeHandler } from './http/proxy-handler';
import type { ProxyContext } from './http/proxy-context';
import { buildRoutingTable, type RoutingTable } from './routing/routing-table';
import { HealthMonitor, type HealthChange } from '../health/health-monitor';
import { receivesTraffic } from '../health/health-state';
import { UpstreamPools } from './upstream/upstream-pools';
import { RecordRing } from './traffic/record-ring';
import { TrafficStats } from './traffic/traffic-stats';
import { defaultProxySettings } from '../../../shared/proxy-settings';
import { SelectionStates } from './balancing/selection-states';
import { RouteLimiters } from './limits/route-limiters';
import { InFlight } from './upstream/in-flight';
import { BackendSwitches } from './upstream/backend-switches';
import type { Dialer } from './upstream/dialer';
import type { LocalCa } from '../tls';
import { startHttpsListener, type StartedHttpsListener } from './listeners/https-listener';
import { SniCertificates } from './listeners/sni-certificates';
import { Http2Front } from './http/h2/h2-server';
import { TcpRoutes } from './l4/tcp-routes';
import { TlsRoutes } from './l4/tls-routes';
import { UdpRoutes } from './l4/udp-routes';
import { HttpCache, type DiskCacheOptions } from './cache/http-cache';

export interface EngineListenOptions {
  addresses: readonly string[];
  port: number;
  /** What a client may cost: head deadline and size, idle keep-alive, connections (see proxy-settings.ts). */
  limits: ProxySettings;
  /** The HTTPS listener, on the same addresses, with certificates from the local CA. */
  https?: HttpsListenOptions;
  /** How the shell's user sets each port, for "port in use" errors. */
  portNaming: PortNaming;
}

export interface HttpsListenOptions {
  port: number;
  /** Read at each certificate the listener makes, so a new CA (new domains) applies without a restart. */
  ca: () => LocalCa;
  /** The clock renewal is judged by; tests move it. */
  now?: () => Date;
}

/** What the engine tells its host besides health: a drain finished, something was caught instead of thrown. */
export interface EngineEvents {
  /** `onHealth` hears every health transition (and each change of its reason). */
  onHealth?: HealthChange;
  /** A draining backend's last request in flight ended (or it had none). */
  onDrained?: (backendId: number, routeId: number) => void;
  onError?: (context: string, error: unknown) => void;
  /** The engine's own problems changed (a TCP route cannot listen, or can again): see `problems`. */
  onProblems?: () => void;
}

/**
 * The data plane. Config arrives as a whole new immutable routing table
 * (`apply`), swapped in with one assignment so the next request sees it and
 * in-flight ones keep the route they started with. State that outlives swaps
 * is keyed by id and split by concern: balancer state (balancing/), rate
 * limiters (limits/), in-flight counts, switches and pooled connections
 * (upstream/), counters and records (traffic/).
 */
export class Engine {
  private table: RoutingTable = buildRoutingTable([], 0);
  private readonly stats = new TrafficStats();
  private readonly selection = new SelectionStates();
  private readonly limiters = new RouteLimiters();
  private readonly inFlight: InFlight;
  private readonly switches: BackendSwitches;
  private readonly pools = new UpstreamPools();
  /** TCP routes' listeners: opened once the engine listens, then kept in step with every config. */
  private readonly tcp: TcpRoutes;
  /** TLS passthrough routes' shared listeners, the same way. */
  private readonly tls: TlsRoutes;
  /** UDP routes' sockets, the same way. */
  private readonly udp: UdpRoutes;
  private listening = false;
  private routes: readonly Route[] = [];
  private revision = 0;
  private servers: Http1Server[] = [];
  private https: StartedHttpsListener | undefined;
  private certificates: SniCertificates | undefined;
  private h2: Http2Front | undefined;
  private readonly onError: (context: string, error: unknown) => void;
  /** Shared by every client connection of every listener; `setLimits` changes it in place. */
  private readonly connectionOptions: ConnectionOptions = { headerTimeoutMs: 0, keepAliveTimeoutMs: 0, maxHeaderBytes: 0 };
  private bound: ListenerStatus[] = [];
  /** One Via name for this engine's life: a request that comes back with it has looped. */
  private readonly via = viaPseudonym();
  readonly health: HealthMonitor;
  /** The last exchanges, for the Traffic view, `switchyard logs` and the access log. */
  readonly records = new RecordRing(defaultProxySettings.trafficRecords);
  /** Responses kept for routes with the cache on (RFC 9111, in memory or on disk). */
  readonly cache: HttpCache;

  /** `disk`: where routes with cacheStorage disk keep their files; without it they cache in memory. */
  constructor({ onHealth, onDrained, onError, onProblems }: EngineEvents = {}, disk?: DiskCacheOptions) {
    this.cache = new HttpCache(undefined, Date.now, disk);
    this.onError = onError ?? (() => {});
    let availabilityChanged = false;
    this.health = new HealthMonitor(
      (backendId, routeId, before, after) => {
        // Only a change of state changes who gets traffic.
        if (before.name !== after.name) availabilityChanged = true;
        onHealth?.(backendId, routeId, before, after);
      },
      Date.now,
      this.onError,
      // Once per batch (one probe's result for every backend that shares it),
      // synchronously, so no request sees the old table: a dev server behind
      // 50 routes going down rebuilt the table 50 times (issue 11).
      () => {
        if (!availabilityChanged) return;
        availabilityChanged = false;
        this.rebuild();
      },
    );
    this.inFlight = new InFlight(
      () => (this.stats.version += 1),
      (backendId) => this.switches.idle(backendId),
    );
    this.switches = new BackendSwitches(this.inFlight.count, (backendId, routeId) => onDrained?.(backendId, routeId));
    const l4 = { table: () => this.table, selection: this.selection, inFlight: this.inFlight, stats: this.stats, health: this.health, dial: this.pools.dialCurrent, records: this.records };
    const l4Events = { onProblems: onProblems ?? (() => {}), onError: this.onError };
    this.tcp = new TcpRoutes(l4, l4Events);
    this.tls = new TlsRoutes(l4, l4Events);
    this.udp = new UdpRoutes(l4, l4Events);
  }

  /** The seam for fault injection: every new upstream connection is dialed through the decorated dialer (see UpstreamPools). */
  decorateDialer(decorate: (dialer: Dialer) => Dialer): void {
    this.pools.decorateDialer(decorate);
  }

  apply(routes: Route[], revision: number): void {
    this.routes = routes;
    this.revision = revision;
    this.health.sync(routes);
    this.rebuild();
    this.certificates?.warm(this.table);
    const routeIds = new Set(routes.map((r) => r.id));
    this.selection.retain(routeIds);
    this.cache.retain(routes.filter((r) => r.settings.cache));
    this.limiters.retain(routeIds);
    this.stats.retain(routeIds, new Set(routes.flatMap((r) => r.backends.map((b) => b.id))));
    this.switches.retain(routes);
    this.pools.retain(new Set(routes.flatMap((r) => r.backends.map((b) => b.url))));
    if (this.listening) {
      this.tcp.sync(routes);
      this.udp.sync(routes);
      this.tls.sync(routes);
    }
  }

  /** Resolves once TCP routes' listeners match the last config (bound, or reported as problems). */
  listenersSettled(): Promise<void> {
    return Promise.all([this.tcp.settled(), this.udp.settled(), this.tls.settled()]).then(() => undefined);
  }

  /** What is wrong with the data plane right now: TCP routes that cannot listen. */
  problems(): Problem[] {
    return [...this.tcp.problems(), ...this.udp.problems(), ...this.tls.problems()];
  }

  /** Passes the current table so routes whose candidates did not change keep their hash ring. */
  private rebuild(): void {
    const isAvailable = (id: number) => {
      const state = this.health.state(id);
      return state === undefined || receivesTraffic(state, this.health.isChecked(id));
    };
    this.table = buildRoutingTable(this.routes, this.revision, isAvailable, this.table);
  }

  async listen(options: EngineListenOptions): Promise<ListenerStatus[]> {
    const context: ProxyContext = {
      table: () => this.table,
      selection: this.selection,
      inFlight: this.inFlight,
      limiters: this.limiters,
      stats: this.stats,
      records: this.records,
      cache: this.cache,
      pools: this.pools,
      health: this.health,
      listenPort: () => this.bound[0]?.port ?? options.port,
      httpsPort: () => this.bound.find((listener) => listener.kind === 'https')?.port,
      via: this.via,
    };
    const handler = createProxyHandler(context);
    const upgrade = createUpgradeHandler(context);
    this.setLimits(options.limits);
    const started = await startHttpListener(
      { addresses: options.addresses, port: options.port, portName: portName(options.portNaming, 'http'), maxConnections: options.limits.maxConnections },
      this.connectionOptions,
      handler,
      upgrade,
    );
    this.servers = started.servers;
    this.bound = started.bound;
    if (options.https) {
      try {
        await this.listenHttps(options, options.https, handler, upgrade);
      } catch (error) {
        await this.close(0);
        throw error;
      }
    }
    // A TCP route that cannot listen is a problem, not a failed start (tcp-routes.ts).
    this.listening = true;
    this.tcp.sync(this.routes);
    this.udp.sync(this.routes);
    this.tls.sync(this.routes);
    await this.listenersSettled();
    return this.listeners();
  }

  private async listenHttps(
    options: EngineListenOptions,
    https: HttpsListenOptions,
    handler: ReturnType<typeof createProxyHandler>,
    upgrade: ReturnType<typeof createUpgradeHandler>,
  ): Promise<void> {
    this.h2 = new Http2Front(this.connectionOptions, handler, { scheme: 'https' });
    this.certificates = new SniCertificates({ ca: https.ca, now: https.now ?? (() => new Date()), onError: this.onError });
    this.https = await startHttpsListener(
      {
        addresses: options.addresses,
        port: https.port,
        portName: portName(options.portNaming, 'https'),
        maxConnections: options.limits.maxConnections,
        handshakeTimeoutMs: options.limits.requestHeaderTimeoutMs,
        certificates: this.certificates,
        table: () => this.table,
        onError: this.onError,
      },
      this.connectionOptions,
      handler,
      upgrade,
      this.h2,
    );
    this.bound = [...this.bound, ...this.https.bound];
    this.certificates.warm(this.table);
  }

  /**
   * New listener limits, live: connections read the shared options at their
   * next deadline, and a listener over its connection limit closes new ones.
   */
  setLimits(limits: ProxySettings): void {
    // Bodies may stream for minutes (uploads, SSE); only the head is timed,
    // which is what stops slowloris.
    this.connectionOptions.headerTimeoutMs = limits.requestHeaderTimeoutMs;
    this.connectionOptions.keepAliveTimeoutMs = limits.keepAliveTimeoutMs;
    this.connectionOptions.maxHeaderBytes = limits.maxHeaderBytes;
    this.records.resize(limits.trafficRecords);
    for (const server of this.servers) {
      server.maxConnections = limits.maxConnections;
      server.limitsChanged();
    }
    for (const server of this.https?.servers ?? []) server.maxConnections = limits.maxConnections;
    this.https?.http1.limitsChanged();
    this.h2?.limitsChanged();
  }

  /** The route's traffic second by second, for its charts. */
  routeHistory(routeId: number, seconds: number): RouteHistory {
    return this.stats.history(routeId, seconds);
  }

  /** Passive failures seen for a backend since it was configured. */
  failureCount(backendId: number): number {
    return this.stats.failures(backendId);
  }

  /** Changes whenever traffic moved a counter. */
  statsVersion(): number {
    return this.stats.version;
  }

  /** Whether the last minute holds traffic: windowed figures (share, error rate, latency) still move while it does. */
  statsWindowBusy(): boolean {
    return this.stats.windowHoldsData();
  }

  /** How many backends each route sends new requests to, whether it is in panic mode, and what its clients got. */
  routeStats(routes: readonly Route[]): Record<string, RouteLive> {
    const out: Record<string, RouteLive> = {};
    for (const route of routes) {
      const compiled = this.table.route(route.id);
      if (compiled) out[route.id] = { receiving: compiled.candidates.length, panic: compiled.panic, ...this.stats.routeSnapshot(route.id) };
    }
    return out;
  }

  /**
   * Every backend's status, why, its checks and its traffic, by backend id;
   * with `only`, just those backends (a push of what changed), and counters
   * only for their routes (a backend's share needs its route's total).
   */
  backendStats(routes: readonly Route[], only?: ReadonlySet<number>): Record<string, BackendStats> {
    const wanted = only ? routes.filter((route) => route.backends.some((b) => only.has(b.id))) : routes;
    const counters = this.stats.snapshot(wanted, this.inFlight.count);
    const out: Record<string, BackendStats> = {};
    for (const route of wanted) {
      for (const backend of route.backends) {
        if (only && !only.has(backend.id)) continue;
        const traffic = counters.get(backend.id)!;
        const state = this.health.state(backend.id);
        const { checks, lastCheck } = this.health.history(backend.id);
        // Switched off, draining, drained: since the switch. Switched on: the
        // health state shown began no earlier than the switch either.
        const switchedAt = this.switches.switchedAt(backend.id) ?? Date.now();
        const since = !backend.enabled || backend.draining ? switchedAt : Math.max(switchedAt, state?.since ?? switchedAt);
        const base = {
          ...traffic,
          checks,
          lastCheck,
          status: state?.name ?? 'unknown',
          reason: state?.reason ?? wording.noCheckYet,
          since: new Date(since).toISOString(),
        } satisfies BackendStats;
        if (!backend.enabled) out[backend.id] = { ...base, status: 'disabled', reason: wording.switchedOff };
        else if (backend.draining) {
          out[backend.id] =
            traffic.active === 0
              ? { ...base, status: 'drained', reason: wording.drainedReason }
              : { ...base, status: 'draining', reason: wording.drainingReason(traffic.active) };
        } else if (state?.name === 'unknown' && !this.health.isChecked(backend.id)) {
          out[backend.id] = { ...base, reason: route.kind === 'udp' ? wording.udpUncheckedReason : wording.checksOffReason };
        } else out[backend.id] = base;
      }
    }
    return out;
  }

  listeners(): ListenerStatus[] {
    return [...this.bound, ...this.tcp.status(), ...this.udp.status(), ...this.tls.status()];
  }

  async close(graceMs = 2_000): Promise<void> {
    this.https?.stop();
    this.listening = false;
    await Promise.all([...[...this.servers, ...(this.https?.servers ?? [])].map((server) => closeServer(server, graceMs)), this.tcp.close(graceMs), this.udp.close(graceMs), this.tls.close(graceMs)]);
    // After the listeners: no handshake can start another certificate now.
    await this.certificates?.settled();
    this.servers = [];
    this.https = undefined;
    this.bound = [];
    this.health.stop();
    this.pools.destroy();
  }
}
