import type { CheckResult } from '../../../shared/events';
import type { Backend, BackendHealth, Route, RouteSettings } from '../../../shared/model';
import {
  initialHealth,
  onChecksOff,
  mayEjectAnother,
  onCheck,
  onTick,
  onTraffic,
  type HealthPolicy,
  type HealthState,
} from './health-state';
import { probe, type ProbeResult, type ProbeSpec } from './probe';

const historyLength = 20;
/** Each check interval is stretched or shrunk by up to this fraction, so probes do not run in lock-step. */
const jitter = 0.1;

interface Watched {
  backendId: number;
  routeId: number;
  state: HealthState;
  policy: HealthPolicy;
  /** The route's cap on ejected backends, as a fraction. */
  maxEjected: number;
  checked: boolean;
  url: string;
  spec: ProbeSpec;
  intervalMs: number;
  /** The last results (1 passed, 0 failed), a ring written in place: a check allocates nothing here. */
  history: Uint8Array;
  /** Results in the ring so far, up to its length; the next is written at `historyCount % historyLength`. */
  historyCount: number;
  /** The last probe's result, shared by the backends that share the probe. */
  last: Outcome | null;
  /** The probe this backend's checks ride on, while it is checked. */
  group: ProbeGroup | undefined;
  ejectionTimer: NodeJS.Timeout | undefined;
  /** The last sync that found this backend configured. */
  syncedIn: number;
}

/** A probe's result and when it came. */
interface Outcome {
  result: ProbeResult;
  at: number;
}

/**
 * Backends checked at the same address with the same check and interval
 * (several routes pointing at one dev server) share one probe per interval,
 * and its result goes to each of them: the backend sees one connection, not
 * one per route.
 */
interface ProbeGroup {
  key: string;
  spec: ProbeSpec;
  intervalMs: number;
  members: Set<Watched>;
  timer: NodeJS.Timeout | undefined;
  inFlight: boolean;
  /** Its last result, which a backend that joins gets at once while it is less than an interval old. */
  last: Outcome | undefined;
}

export type HealthChange = (backendId: number, routeId: number, before: HealthState, after: HealthState) => void;

/** The route's policy, or `previous` itself when it says the same (sync keeps what did not change, see there). */
function policyOf(s: RouteSettings, previous: HealthPolicy | undefined): HealthPolicy {
  const p = previous;
  if (p && p.rise === s.healthRise && p.fall === s.healthFall && p.ejectAfter === s.ejectAfter && p.baseEjectionMs === s.ejectBaseMs && p.maxEjectionMs === s.ejectMaxMs) {
    return p;
  }
  return { rise: s.healthRise, fall: s.healthFall, ejectAfter: s.ejectAfter, baseEjectionMs: s.ejectBaseMs, maxEjectionMs: s.ejectMaxMs };
}

/** The backend's own override (its health path, say) wins over its route's; null or absent means the route's. */
function own<K extends keyof BackendHealth>(backend: Backend, s: RouteSettings, key: K): RouteSettings[K] {
  // The schemas give both the same value type: an override is a route setting or null.
  return (backend.health[key] ?? s[key]) as RouteSettings[K];
}

/** Where a URL's checks go; parsed once per URL, not on every sync. */
function addressOf(url: string): Pick<ProbeSpec, 'protocol' | 'hostname' | 'port' | 'hostport'> {
  const parsed = new URL(url);
  return {
    protocol: parsed.protocol as ProbeSpec['protocol'],
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port),
    hostport: parsed.host,
  };
}

/** The probe a checked backend gets ('off' is never probed: see sync). */
const checkType = (check: RouteSettings['healthCheck']): ProbeSpec['type'] => (check === 'http' || check === 'udp' ? check : 'tcp');

function specOf(address: ReturnType<typeof addressOf>, backend: Backend, s: RouteSettings): ProbeSpec {
  return {
    type: checkType(own(backend, s, 'healthCheck')),
    protocol: address.protocol,
    hostname: address.hostname,
    port: address.port,
    hostport: address.hostport,
    method: own(backend, s, 'healthMethod'),
    path: own(backend, s, 'healthPath'),
    statuses: own(backend, s, 'healthStatuses'),
    bodyContains: own(backend, s, 'healthBody'),
    send: s.healthSend,
    expect: s.healthExpect,
    timeoutMs: s.healthTimeoutMs,
    verifyTls: s.verifyBackendTls,
  };
}

/** The same check of the same address, the timeout aside. */
function sameTarget(a: ProbeSpec, b: ProbeSpec): boolean {
  return (
    a.type === b.type &&
    a.protocol === b.protocol &&
    a.hostname === b.hostname &&
    a.port === b.port &&
    a.hostport === b.hostport &&
    a.method === b.method &&
    a.path === b.path &&
    a.statuses === b.statuses &&
    a.bodyContains === b.bodyContains &&
    a.send === b.send &&
    a.expect === b.expect &&
    a.verifyTls === b.verifyTls
  );
}

/** Checks that are the same probe: one address, one kind of check, one timeout, one interval. */
const groupKey = (spec: ProbeSpec, intervalMs: number) => JSON.stringify({ ...spec, intervalMs });

/**
 * Active checks and passive outlier detection for every configured backend.
 * Backends that would send the same probe share it (ProbeGroup); each group
 * has its own timer, spread by jitter so groups are not probed in lock-step;
 * checks run on their own connections, off the data plane. State is keyed by
 * backend id and survives config changes.
 */
export class HealthMonitor {
  private readonly watched = new Map<number, Watched>();
  private readonly groups = new Map<string, ProbeGroup>();
  private stopped = false;

  constructor(
    private readonly onChange: HealthChange,
    private readonly now: () => number = Date.now,
    /** Unexpected errors, with what was being done: logged, never thrown. */
    private readonly onError: (context: string, error: unknown) => void = () => {},
    /** After changes were reported: once for a probe's result however many backends share it, else after each change. */
    private readonly afterChanges: () => void = () => {},
  ) {}

  private syncRound = 0;
  /** While a probe's result goes to its backends: changes are reported, afterChanges waits for the end. */
  private batching = false;

  /**
   * Starts, reconfigures and stops checks to match the routes. Runs on every
   * config change over every backend, so a backend whose checks did not
   * change costs comparisons, not objects: a burst of 50 route creations at
   * 500 backends otherwise left enough surviving garbage to grow V8's young
   * generation, and the process's RSS, by ~30 MB (issue 11).
   */
  sync(routes: readonly Route[]): void {
    this.batch(() => this.syncAll(routes));
  }

  private syncAll(routes: readonly Route[]): void {
    // Entries this sync does not reach are gone; a round number marks them without a set of ids per sync.
    const round = ++this.syncRound;
    for (const route of routes) {
      const s = route.settings;
      for (const backend of route.backends) {
        const checked = own(backend, s, 'healthCheck') !== 'off' && backend.enabled;
        let entry = this.watched.get(backend.id);
        const address = entry?.url === backend.url ? entry.spec : addressOf(backend.url);
        const spec = specOf(address, backend, s);
        if (!entry) {
          entry = {
            backendId: backend.id,
            routeId: route.id,
            state: initialHealth(this.now()),
            policy: policyOf(s, undefined),
            maxEjected: s.maxEjectedPercent / 100,
            checked,
            url: backend.url,
            spec,
            intervalMs: s.healthIntervalMs,
            history: new Uint8Array(historyLength),
            historyCount: 0,
            last: null,
            group: undefined,
            ejectionTimer: undefined,
            syncedIn: round,
          };
          this.watched.set(backend.id, entry);
        }
        entry.syncedIn = round;
        entry.routeId = route.id;
        entry.policy = policyOf(s, entry.policy);
        entry.maxEjected = s.maxEjectedPercent / 100;
        // A new timeout alone is the same check, so its history stays.
        const newTarget = !sameTarget(entry.spec, spec);
        const moved = newTarget || entry.spec.timeoutMs !== spec.timeoutMs || entry.intervalMs !== s.healthIntervalMs || entry.checked !== checked;
        if (!moved && (entry.group !== undefined) === checked) continue;
        if (entry.checked && !checked) this.set(entry, onChecksOff(entry.state, this.now()));
        Object.assign(entry, { checked, url: backend.url, spec, intervalMs: s.healthIntervalMs });
        if (newTarget && entry.historyCount > 0) {
          // Another address or kind of check: old results say nothing about it.
          entry.historyCount = 0;
          entry.last = null;
          this.set(entry, initialHealth(this.now()));
        }
        // Leaving the old group also means a probe it has in flight (another
        // target, timeout or interval) no longer reports to this backend.
        this.leave(entry);
        if (checked) this.join(entry, groupKey(spec, entry.intervalMs));
      }
    }
    for (const entry of this.watched.values()) {
      if (entry.syncedIn === round) continue;
      this.forget(entry);
      // Deleting the current entry is safe while iterating a Map.
      this.watched.delete(entry.backendId);
    }
  }

  state(backendId: number): HealthState | undefined {
    return this.watched.get(backendId)?.state;
  }

  isChecked(backendId: number): boolean {
    return this.watched.get(backendId)?.checked ?? false;
  }

  /** The last results, oldest first, and the last one in full; built when asked (a push, a command), not per check. */
  history(backendId: number): { checks: boolean[]; lastCheck: CheckResult | null } {
    const entry = this.watched.get(backendId);
    if (!entry) return { checks: [], lastCheck: null };
    const { history, historyCount, last } = entry;
    const kept = Math.min(historyCount, historyLength);
    const checks = Array.from({ length: kept }, (_, i) => history[(historyCount - kept + i) % historyLength] === 1);
    return { checks, lastCheck: last ? { ...last.result, at: new Date(last.at).toISOString() } : null };
  }

  /** A request on real traffic to this backend succeeded or failed (connect error, reset, timeout). */
  recordTraffic(backendId: number, ok: boolean, detail: string): void {
    const entry = this.watched.get(backendId);
    if (!entry || (ok && entry.state.passiveStreak === 0)) return;
    let ejected = 0;
    let total = 0;
    for (const other of this.watched.values()) {
      if (other.routeId !== entry.routeId) continue;
      total += 1;
      if (other.state.name === 'ejected') ejected += 1;
    }
    const mayEject = mayEjectAnother(ejected, total, entry.maxEjected);
    this.set(entry, onTraffic(entry.state, ok, detail, entry.policy, this.now(), mayEject));
  }

  /** Timers and in-flight probes stop; nothing is left running. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.watched.values()) this.forget(entry);
    this.watched.clear();
  }

  /** Number of live timers, for tests that check nothing leaks. */
  timerCount(): number {
    let count = 0;
    for (const group of this.groups.values()) count += group.timer ? 1 : 0;
    for (const entry of this.watched.values()) count += entry.ejectionTimer ? 1 : 0;
    return count;
  }

  /** Probes sent each interval: one per group of backends that share a probe. */
  probeCount(): number {
    return this.groups.size;
  }

  private forget(entry: Watched): void {
    this.leave(entry);
    clearTimeout(entry.ejectionTimer);
    entry.ejectionTimer = undefined;
  }

  /**
   * The first check of a backend that joins runs at once (unless its group's
   * probe is already on its way, or has a fresh result), so new backends are
   * up within a few milliseconds; later ones follow the group's jittered timer.
   */
  private join(entry: Watched, key: string): void {
    let group = this.groups.get(key);
    if (!group) {
      group = { key, spec: entry.spec, intervalMs: entry.intervalMs, members: new Set(), timer: undefined, inFlight: false, last: undefined };
      this.groups.set(key, group);
    }
    group.members.add(entry);
    entry.group = group;
    // A result of this very check, younger than the interval, is as fresh as
    // any member's: the newcomer takes it rather than send one more probe
    // (50 routes created on one dev server sent 50 probes in a burst).
    const last = group.last;
    if (last && Date.now() - last.at < group.intervalMs) this.deliver(entry, last, this.now());
    else if (!group.inFlight) this.run(group);
  }

  private leave(entry: Watched): void {
    const group = entry.group;
    if (!group) return;
    entry.group = undefined;
    group.members.delete(entry);
    if (group.members.size > 0) return;
    clearTimeout(group.timer);
    group.timer = undefined;
    this.groups.delete(group.key);
  }

  private schedule(group: ProbeGroup): void {
    clearTimeout(group.timer);
    const timer = setTimeout(() => this.run(group), group.intervalMs * (1 - jitter + Math.random() * 2 * jitter));
    timer.unref();
    group.timer = timer;
  }

  private run(group: ProbeGroup): void {
    clearTimeout(group.timer);
    group.timer = undefined;
    group.inFlight = true;
    probe(group.spec)
      .then((result) => this.report(group, result))
      .catch((error: unknown) => {
        // The last line of defence: a check that throws is logged and checks
        // go on; the proxy must not stop because one probe misbehaved.
        this.onError(`health check of ${group.spec.hostport} failed unexpectedly`, error);
        group.inFlight = false;
        if (this.live(group) && !group.timer) this.schedule(group);
      });
  }

  /** Whether the group still stands for some backends' checks (not left by all of them, nor stopped). */
  private live(group: ProbeGroup): boolean {
    return !this.stopped && this.groups.get(group.key) === group;
  }

  private report(group: ProbeGroup, result: ProbeResult): void {
    group.inFlight = false;
    if (!this.live(group)) return;
    // Scheduled before the results are reported: whatever a listener of a
    // change does, the next check is already on its way.
    this.schedule(group);
    const outcome: Outcome = { result, at: Date.now() };
    group.last = outcome;
    const now = this.now();
    this.batch(() => {
      // A listener of a change may reconfigure and so move members: a Set's
      // iterator skips those deleted and the group check those that moved.
      for (const entry of group.members) if (entry.group === group) this.deliver(entry, outcome, now);
    });
  }

  private deliver(entry: Watched, outcome: Outcome, now: number): void {
    entry.last = outcome;
    entry.history[entry.historyCount % historyLength] = outcome.result.ok ? 1 : 0;
    // Counting on past the ring's length keeps the write position (and
    // stays a small integer for 2^30 checks: 68 years at one a second).
    entry.historyCount += 1;
    this.set(entry, onCheck(entry.state, outcome.result.ok, outcome.result.detail, entry.policy, now));
  }

  /** Runs `work`, reporting its changes as they come but afterChanges once, at the end. */
  private batch(work: () => void): void {
    if (this.batching) {
      work();
      return;
    }
    this.batching = true;
    try {
      work();
    } finally {
      this.batching = false;
      this.settle();
    }
  }

  private settle(): void {
    try {
      this.afterChanges();
    } catch (error) {
      this.onError('applying health changes', error);
    }
  }

  private set(entry: Watched, next: HealthState): void {
    const before = entry.state;
    entry.state = next;
    if (next.name === 'ejected' && before.name !== 'ejected') {
      clearTimeout(entry.ejectionTimer);
      entry.ejectionTimer = setTimeout(() => {
        entry.ejectionTimer = undefined;
        this.set(entry, onTick(entry.state, Math.max(this.now(), entry.state.ejectedUntil)));
      }, next.ejectedUntil - this.now());
      entry.ejectionTimer.unref();
    }
    // Only a new state or a new reason is news: a check that saw what the
    // last one saw reports nothing (issue 11).
    if (before.name === next.name && before.reason === next.reason) return;
    try {
      this.onChange(entry.backendId, entry.routeId, before, next);
    } catch (error) {
      // Listeners (timeline, UI push) must not break checks or the data
      // plane that reported the traffic: the state change itself stands.
      this.onError(`reporting backend ${entry.backendId} ${before.name} → ${next.name}`, error);
    }
    if (!this.batching) this.settle();
  }
}
