// The health of one backend as a pure state machine: check results, passive
// failures and the clock go in, a new state comes out. Active checks follow
// HAProxy (`rise`/`fall` consecutive results, a new server is presumed up
// until `fall` checks fail); passive ejection follows Envoy's outlier
// detection (consecutive failures on real traffic eject the backend for a
// base time that grows with each ejection, up to a cap).

export type HealthStateName = 'unknown' | 'healthy' | 'unhealthy' | 'ejected';

export interface HealthPolicy {
  rise: number;
  fall: number;
  /** Consecutive failures on real traffic that eject; 0 turns passive ejection off. */
  ejectAfter: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
}

export interface HealthState {
  name: HealthStateName;
  since: number;
  /** Why it is in this state, in words for the UI. */
  reason: string;
  okStreak: number;
  failStreak: number;
  /** Consecutive failures seen on real traffic. */
  passiveStreak: number;
  /** Ejections so far: each lasts longer. */
  ejections: number;
  ejectedUntil: number;
  /** What active checks say meanwhile, restored when an ejection ends. */
  underlying: Exclude<HealthStateName, 'ejected'>;
  /** What the last active check saw, so that a repeat of it can keep the reason (see onCheck). */
  detail: string;
}

export const initialHealth = (now: number): HealthState => ({
  name: 'unknown',
  since: now,
  reason: 'No check has run yet.',
  okStreak: 0,
  failStreak: 0,
  passiveStreak: 0,
  ejections: 0,
  ejectedUntil: 0,
  underlying: 'unknown',
  detail: '',
});

const times = (n: number, what: string) => `${n} consecutive ${what}${n === 1 ? '' : 's'}`;

function enter(state: HealthState, name: HealthStateName, now: number, reason: string): HealthState {
  return state.name === name ? { ...state, reason } : { ...state, name, since: now, reason };
}

/** What active checks conclude, ignoring ejection. */
function judge(current: HealthState['underlying'], okStreak: number, failStreak: number, policy: HealthPolicy) {
  if (okStreak > 0) return current === 'unhealthy' && okStreak < policy.rise ? 'unhealthy' : 'healthy';
  return failStreak >= policy.fall ? 'unhealthy' : current;
}

const checkPassed = 'Check passed: ';

/**
 * A check that saw what the last one saw, on a backend it leaves as it is:
 * healthy and passing, or down and failing the same way. The same state
 * comes back (no object, no reason string), so steady checks cost nothing
 * and report nothing (issue 11). The streaks stop counting there, which
 * changes no judgement: past `rise` and `fall` only "more than enough" counts.
 * Down, the reason that marked it down stays: HAProxy's status line, too,
 * keeps the check result that took a server down, not a count that would
 * change every check for as long as a dev server is off.
 */
function isRepeat(state: HealthState, ok: boolean, detail: string, policy: HealthPolicy): boolean {
  if (detail !== state.detail) return false;
  if (ok) return state.name === 'healthy' && state.underlying === 'healthy' && state.failStreak === 0 && state.okStreak >= policy.rise && state.reason.startsWith(checkPassed);
  return state.name === 'unhealthy' && state.okStreak === 0 && state.failStreak >= policy.fall;
}

/** An active check finished; `detail` says what it saw ("200", "connect ECONNREFUSED ..."), never how long it took. */
export function onCheck(state: HealthState, ok: boolean, detail: string, policy: HealthPolicy, now: number): HealthState {
  if (isRepeat(state, ok, detail, policy)) return state;
  const okStreak = ok ? state.okStreak + 1 : 0;
  const failStreak = ok ? 0 : state.failStreak + 1;
  const underlying = judge(state.underlying, okStreak, failStreak, policy);
  const next = { ...state, okStreak, failStreak, underlying, detail };
  if (state.name === 'ejected') {
    // Checks that saw it down and then up again end the ejection early, as
    // Envoy's successful_active_health_check_uneject_host does; checks that
    // never failed (a port that accepts but a server that resets) do not:
    // unejecting on any passing check, Envoy's default, would put such a
    // backend back every check interval, to fail `ejectAfter` requests and be
    // ejected again. A backend that was down for less than `fall` checks thus
    // stays ejected although alive; retries still reach it as a last resort
    // when every other backend fails (pickBackend), so that costs no 502.
    if (state.underlying === 'unhealthy' && underlying === 'healthy') {
      return { ...enter(next, 'healthy', now, `Checks pass again (${times(okStreak, 'check')}): ${detail}`), ejectedUntil: 0 };
    }
    return next;
  }
  if (underlying === 'healthy') return enter(next, 'healthy', now, ok ? `${checkPassed}${detail}` : `${times(failStreak, 'check')} failed (${policy.fall} mark it down): ${detail}`);
  if (underlying === 'unhealthy') {
    return enter(next, 'unhealthy', now, ok ? `${times(okStreak, 'check')} passed (${policy.rise} bring it back): ${detail}` : `${times(failStreak, 'check')} failed: ${detail}`);
  }
  return enter(next, 'unknown', now, `${times(failStreak, 'check')} failed (${policy.fall} mark it down): ${detail}`);
}

/**
 * A request on real traffic succeeded or failed. `mayEject` is false when
 * ejecting this backend would take out more of the route than allowed.
 */
export function onTraffic(state: HealthState, ok: boolean, detail: string, policy: HealthPolicy, now: number, mayEject: boolean): HealthState {
  if (ok) return state.passiveStreak === 0 ? state : { ...state, passiveStreak: 0 };
  const passiveStreak = state.passiveStreak + 1;
  const next = { ...state, passiveStreak };
  if (policy.ejectAfter === 0 || passiveStreak < policy.ejectAfter || state.name === 'ejected' || !mayEject) return next;
  const ejections = state.ejections + 1;
  // Envoy's outlier detection: the cap is max_ejection_time or the base
  // ejection time, whichever is larger, so a base above the cap still holds.
  const duration = Math.min(policy.baseEjectionMs * ejections, Math.max(policy.maxEjectionMs, policy.baseEjectionMs));
  return {
    ...enter(next, 'ejected', now, `Ejected for ${Math.round(duration / 1000)} s after ${times(passiveStreak, 'failure')} on real traffic: ${detail}`),
    ejections,
    ejectedUntil: now + duration,
    passiveStreak: 0,
  };
}

/**
 * Active checks were switched off: what they concluded no longer holds, or a
 * backend they marked down would stay down for good with nothing left to
 * bring it back. HAProxy's `disable health` does the same: "the last health
 * check result will be ignored" and the server is considered up. A passive
 * ejection runs its course, then ends in the unchecked state.
 */
export function onChecksOff(state: HealthState, now: number): HealthState {
  const cleared = { ...state, okStreak: 0, failStreak: 0, underlying: 'unknown' as const, detail: '' };
  return state.name === 'ejected' ? cleared : enter(cleared, 'unknown', now, 'Health checks are off: the backend takes traffic until real traffic fails it.');
}

/** Ends an ejection whose time is up: back to what the checks say. */
export function onTick(state: HealthState, now: number): HealthState {
  if (state.name !== 'ejected' || now < state.ejectedUntil) return state;
  return enter(state, state.underlying, now, 'Ejection ended: back in rotation.');
}

/** Only healthy backends get new requests, and unknown ones on a route without checks. */
export function receivesTraffic(state: HealthState, checked: boolean): boolean {
  return state.name === 'healthy' || (state.name === 'unknown' && !checked);
}

/**
 * Panic mode (Envoy's healthy_panic_threshold): when fewer than `threshold`
 * of a route's enabled backends may receive traffic, use all of them rather
 * than overload the few or fail everything.
 */
export function inPanic(available: number, total: number, threshold: number): boolean {
  return total > 0 && available / total < threshold;
}

/** Envoy's max_ejection_percent, but always allowing one ejection. */
export function mayEjectAnother(ejected: number, total: number, maxFraction: number): boolean {
  return ejected < Math.max(1, Math.floor(total * maxFraction));
}
