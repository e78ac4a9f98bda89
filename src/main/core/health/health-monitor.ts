import type { CheckResult } from '../../../shared/events';
import type { Route, RouteSettings } from '../../../shared/model';
import {
  initialHealth,
  mayEjectAnother,
  onCheck,
  onTick,
  onTraffic,
  type HealthPolicy,
  type HealthState,
} from './health-state';
import { probe, type ProbeSpec } from './probe';

const historyLength = 20;

interface Watched {
  backendId: number;
  routeId: number;
  state: HealthState;
  policy: HealthPolicy;
  /** The route's cap on ejected backends, as a fraction. */
  maxEjected: number;
  checked: boolean;
  spec: ProbeSpec;
  intervalMs: number;
  history: boolean[];
  lastCheck: CheckResult | null;
  timer: NodeJS.Timeout | undefined;
  ejectionTimer: NodeJS.Timeout | undefined;
  /** Bumped on every (re)configuration so a probe started before it is ignored. */
  generation: number;
}

export type HealthChange = (backendId: number, routeId: number, before: HealthState, after: HealthState) => void;

function policyOf(s: RouteSettings): HealthPolicy {
  return { rise: s.healthRise, fall: s.healthFall, ejectAfter: s.ejectAfter, baseEjectionMs: s.ejectBaseMs, maxEjectionMs: s.ejectMaxMs };
}

function specOf(url: string, s: RouteSettings): ProbeSpec {
  const parsed = new URL(url);
  return {
    type: s.healthCheck === 'http' ? 'http' : 'tcp',
    protocol: parsed.protocol as ProbeSpec['protocol'],
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port),
    hostport: parsed.host,
    method: s.healthMethod,
    path: s.healthPath,
    statuses: s.healthStatuses,
    bodyContains: s.healthBody,
    timeoutMs: s.healthTimeoutMs,
    verifyTls: s.verifyBackendTls,
  };
}

/**
 * Active checks and passive outlier detection for every configured backend.
 * Each backend has its own timer, spread by jitter so backends are not
 * probed in lock-step; checks run on their own connections, off the data
 * plane. State is keyed by backend id and survives config changes.
 */
export class HealthMonitor {
  private readonly watched = new Map<number, Watched>();
  private stopped = false;

  constructor(
    private readonly onChange: HealthChange,
    private readonly now: () => number = Date.now,
    /** Unexpected errors, with what was being done: logged, never thrown. */
    private readonly onError: (context: string, error: unknown) => void = () => {},
  ) {}

  /** Starts, reconfigures and stops checks to match the routes. */
  sync(routes: readonly Route[]): void {
    const seen = new Set<number>();
    for (const route of routes) {
      const s = route.settings;
      for (const backend of route.backends) {
        seen.add(backend.id);
        // The backend's own overrides (its health path, say) win over the route's.
        const own = { ...s, ...Object.fromEntries(Object.entries(backend.health).filter(([, v]) => v !== undefined && v !== null)) };
        const checked = own.healthCheck !== 'off' && backend.enabled;
        const spec = specOf(backend.url, own);
        let entry = this.watched.get(backend.id);
        if (!entry) {
          entry = {
            backendId: backend.id,
            routeId: route.id,
            state: initialHealth(this.now()),
            policy: policyOf(s),
            maxEjected: s.maxEjectedPercent / 100,
            checked,
            spec,
            intervalMs: s.healthIntervalMs,
            history: [],
            lastCheck: null,
            timer: undefined,
            ejectionTimer: undefined,
            generation: 0,
          };
          this.watched.set(backend.id, entry);
        }
        // The timeout is left out: a new one alone is the same check, so its history stays.
        const newTargetOrMethod = JSON.stringify({ ...entry.spec, timeoutMs: 0 }) !== JSON.stringify({ ...spec, timeoutMs: 0 });
        const changed = newTargetOrMethod || entry.checked !== checked || entry.intervalMs !== s.healthIntervalMs || entry.spec.timeoutMs !== spec.timeoutMs;
        Object.assign(entry, { routeId: route.id, policy: policyOf(s), maxEjected: s.maxEjectedPercent / 100, checked, spec, intervalMs: s.healthIntervalMs });
        if (changed) {
          entry.generation += 1;
          clearTimeout(entry.timer);
          entry.timer = undefined;
        }
        if (newTargetOrMethod && entry.history.length) {
          // Another address or kind of check: old results say nothing about it.
          entry.history = [];
          entry.lastCheck = null;
          this.set(entry, initialHealth(this.now()));
        }
        // The first check runs at once, so new backends join within a few
        // milliseconds; later ones are jittered.
        if (checked && !entry.timer) this.schedule(entry, 0);
      }
    }
    for (const [id, entry] of this.watched) {
      if (seen.has(id)) continue;
      this.forget(entry);
      this.watched.delete(id);
    }
  }

  state(backendId: number): HealthState | undefined {
    return this.watched.get(backendId)?.state;
  }

  isChecked(backendId: number): boolean {
    return this.watched.get(backendId)?.checked ?? false;
  }

  history(backendId: number): { checks: boolean[]; lastCheck: CheckResult | null } {
    const entry = this.watched.get(backendId);
    return { checks: entry?.history ?? [], lastCheck: entry?.lastCheck ?? null };
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
    for (const entry of this.watched.values()) count += (entry.timer ? 1 : 0) + (entry.ejectionTimer ? 1 : 0);
    return count;
  }

  private forget(entry: Watched): void {
    entry.generation += 1;
    clearTimeout(entry.timer);
    clearTimeout(entry.ejectionTimer);
    entry.timer = undefined;
    entry.ejectionTimer = undefined;
  }

  private schedule(entry: Watched, delayMs: number): void {
    const timer = setTimeout(() => {
      this.check(entry).catch((error: unknown) => {
        // The last line of defence: a check that throws is logged and checks
        // go on (unless the check had already scheduled its successor); the
        // proxy must not stop because one probe misbehaved.
        this.onError(`health check of backend ${entry.backendId} failed unexpectedly`, error);
        if (entry.timer === timer && this.watched.get(entry.backendId) === entry && entry.checked && !this.stopped) {
          this.schedule(entry, entry.intervalMs);
        }
      });
    }, delayMs);
    timer.unref();
    entry.timer = timer;
  }

  private async check(entry: Watched): Promise<void> {
    const generation = entry.generation;
    const result = await probe(entry.spec);
    if (this.stopped || generation !== entry.generation || this.watched.get(entry.backendId) !== entry) return;
    entry.lastCheck = { ...result, at: new Date().toISOString() };
    entry.history = [...entry.history.slice(1 - historyLength), result.ok];
    // Scheduled before the state change is reported: whatever a listener of
    // the change does, the next check is already on its way.
    // ±10% jitter keeps backends from being probed in lock-step.
    if (entry.checked) this.schedule(entry, entry.intervalMs * (0.9 + Math.random() * 0.2));
    else entry.timer = undefined;
    this.set(entry, onCheck(entry.state, result.ok, result.detail, entry.policy, this.now()));
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
    if (before.name === next.name && before.reason === next.reason) return;
    try {
      this.onChange(entry.backendId, entry.routeId, before, next);
    } catch (error) {
      // Listeners (timeline, UI push) must not break checks or the data
      // plane that reported the traffic: the state change itself stands.
      this.onError(`reporting backend ${entry.backendId} ${before.name} → ${next.name}`, error);
    }
  }
}
