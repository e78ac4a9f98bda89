import { describe, expect, it } from 'vitest';
import {
  inPanic,
  initialHealth,
  mayEjectAnother,
  onCheck,
  onTick,
  onTraffic,
  receivesTraffic,
  type HealthPolicy,
  type HealthState,
} from '../../src/main/core/health/health-state';

const policy: HealthPolicy = { rise: 2, fall: 3, ejectAfter: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000 };
const checks = (state: HealthState, results: boolean[], now = 0) =>
  results.reduce((s, ok, i) => onCheck(s, ok, ok ? '200 in 1 ms' : 'connect ECONNREFUSED', policy, now + i), state);

describe('active checks (HAProxy rise/fall)', () => {
  it('a first passing check makes an unknown backend healthy', () => {
    const state = checks(initialHealth(0), [true]);
    expect(state.name).toBe('healthy');
    expect(state.reason).toBe('Check passed: 200 in 1 ms');
  });

  it('goes down only after `fall` consecutive failures, and says how many', () => {
    const healthy = checks(initialHealth(0), [true]);
    const twice = checks(healthy, [false, false]);
    expect(twice.name).toBe('healthy');
    expect(twice.reason).toMatch(/^2 consecutive checks failed \(3 mark it down\)/);
    const down = checks(twice, [false], 10);
    expect(down).toMatchObject({ name: 'unhealthy', since: 10 });
    expect(down.reason).toBe('3 consecutive checks failed: connect ECONNREFUSED');
  });

  it('a check that saw what the last one saw returns the same state: nothing new to report, nothing allocated', () => {
    const healthy = checks(initialHealth(0), [true, true]);
    expect(onCheck(healthy, true, '200 in 1 ms', policy, 5)).toBe(healthy);
    // Another detail is news.
    expect(onCheck(healthy, true, '204', policy, 5).reason).toBe('Check passed: 204');
  });

  it('down and failing the same way keeps the reason that marked it down; failing another way says so', () => {
    const down = checks(initialHealth(0), [false, false, false]);
    expect(down.reason).toBe('3 consecutive checks failed: connect ECONNREFUSED');
    expect(checks(down, [false, false, false])).toBe(down);
    const timedOut = onCheck(down, false, 'no answer within 200 ms', policy, 10);
    expect(timedOut).toMatchObject({ name: 'unhealthy', since: down.since, reason: '4 consecutive checks failed: no answer within 200 ms' });
    // Coming back still takes `rise` passing checks.
    expect(checks(down, [true]).name).toBe('unhealthy');
    expect(checks(down, [true, true]).name).toBe('healthy');
  });

  it('a success in between resets the failure count', () => {
    expect(checks(initialHealth(0), [true, false, false, true, false, false]).name).toBe('healthy');
  });

  it('comes back only after `rise` consecutive successes', () => {
    const down = checks(initialHealth(0), [false, false, false]);
    expect(down.name).toBe('unhealthy');
    const once = checks(down, [true]);
    expect(once.name).toBe('unhealthy');
    expect(once.reason).toMatch(/^1 consecutive check passed \(2 bring it back\)/);
    expect(checks(once, [true]).name).toBe('healthy');
  });

  it('only healthy backends, and unknown ones without checks, receive traffic', () => {
    const unknown = initialHealth(0);
    expect(receivesTraffic(unknown, false)).toBe(true);
    expect(receivesTraffic(unknown, true)).toBe(false);
    expect(receivesTraffic(checks(unknown, [true]), true)).toBe(true);
    expect(receivesTraffic(checks(unknown, [false, false, false]), true)).toBe(false);
  });
});

describe('passive ejection (Envoy outlier detection)', () => {
  const fail = (state: HealthState, n: number, now: number, mayEject = true) => {
    let s = state;
    for (let i = 0; i < n; i++) s = onTraffic(s, false, 'connection reset', policy, now, mayEject);
    return s;
  };

  it('ejects after consecutive failures for the base time, then returns to what checks say', () => {
    const healthy = checks(initialHealth(0), [true]);
    expect(fail(healthy, 4, 100).name).toBe('healthy');
    const ejected = fail(healthy, 5, 100);
    expect(ejected).toMatchObject({ name: 'ejected', ejectedUntil: 30_100, ejections: 1 });
    expect(ejected.reason).toBe('Ejected for 30 s after 5 consecutive failures on real traffic: connection reset');
    expect(receivesTraffic(ejected, true)).toBe(false);
    expect(onTick(ejected, 30_099).name).toBe('ejected');
    expect(onTick(ejected, 30_100)).toMatchObject({ name: 'healthy', since: 30_100 });
  });

  it('a success on traffic resets the streak', () => {
    const healthy = checks(initialHealth(0), [true]);
    const mixed = onTraffic(fail(healthy, 4, 0), true, '', policy, 0, true);
    expect(fail(mixed, 4, 0).name).toBe('healthy');
  });

  it('each ejection lasts longer, up to the cap', () => {
    let state = checks(initialHealth(0), [true]);
    const durations: number[] = [];
    let now = 0;
    for (let i = 0; i < 12; i++) {
      state = fail(state, 5, now);
      durations.push(state.ejectedUntil - now);
      now = state.ejectedUntil;
      state = onTick(state, now);
    }
    expect(durations.slice(0, 3)).toEqual([30_000, 60_000, 90_000]);
    expect(Math.max(...durations)).toBe(300_000);
  });

  it('a base ejection time above the cap still holds, as in Envoy (the larger of the two caps)', () => {
    const inverted: HealthPolicy = { ...policy, baseEjectionMs: 60_000, maxEjectionMs: 10_000 };
    let state = checks(initialHealth(0), [true]);
    for (let i = 0; i < 5; i++) state = onTraffic(state, false, 'reset', inverted, 0, true);
    expect(state).toMatchObject({ name: 'ejected', ejectedUntil: 60_000 });
  });

  it('checks keep running while ejected and decide where it returns', () => {
    const ejected = fail(checks(initialHealth(0), [true]), 5, 0);
    const checkedDown = checks(ejected, [false, false, false], 1);
    expect(checkedDown.name).toBe('ejected');
    expect(onTick(checkedDown, 30_000).name).toBe('unhealthy');
  });

  it('checks that saw it go down and come back end the ejection early; checks that never failed do not', () => {
    const ejected = fail(checks(initialHealth(0), [true]), 5, 0);
    expect(checks(ejected, [true, true, true], 1).name).toBe('ejected');
    const back = checks(ejected, [false, false, false, true, true], 1);
    expect(back).toMatchObject({ name: 'healthy', ejectedUntil: 0 });
    expect(back.reason).toMatch(/^Checks pass again \(2 consecutive checks\)/);
  });

  it('does not eject when the route may not lose another backend', () => {
    expect(fail(checks(initialHealth(0), [true]), 5, 0, false).name).toBe('healthy');
    expect(mayEjectAnother(0, 2, 0.5)).toBe(true);
    expect(mayEjectAnother(1, 2, 0.5)).toBe(false);
    expect(mayEjectAnother(0, 1, 0.1)).toBe(true);
    expect(mayEjectAnother(2, 10, 0.3)).toBe(true);
    expect(mayEjectAnother(3, 10, 0.3)).toBe(false);
  });
});

describe('panic threshold', () => {
  it('balances across all when fewer than the threshold are available', () => {
    expect(inPanic(1, 4, 0.5)).toBe(true);
    expect(inPanic(2, 4, 0.5)).toBe(false);
    expect(inPanic(0, 0, 0.5)).toBe(false);
  });
});
