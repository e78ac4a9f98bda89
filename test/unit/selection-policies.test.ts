import { describe, expect, it } from 'vitest';
import { HashRing, maxRingPoints, ringPointsPerBackend } from '../../src/main/core/engine/balancing/hash-ring';
import {
  ipHash,
  leastConnections,
  newSelectionState,
  randomTwoChoices,
  roundRobin,
  smoothWeightedRoundRobin,
} from '../../src/main/core/engine/balancing/selection-policies';

const backend = (id: number, weight = 1) => ({ id, weight, name: String.fromCharCode(96 + id) });
const names = (picks: ({ name: string } | undefined)[]) => picks.map((p) => p?.name).join(' ');

describe('round-robin', () => {
  it('cycles in order and survives a shrinking list', () => {
    const state = newSelectionState();
    const three = [backend(1), backend(2), backend(3)];
    expect(names(Array.from({ length: 5 }, () => roundRobin(three, state)))).toBe('a b c a b');
    expect(names([roundRobin(three.slice(0, 2), state), roundRobin(three.slice(0, 2), state)])).toBe('a b');
    expect(roundRobin([], state)).toBeUndefined();
  });
});

describe('smooth weighted round-robin (nginx)', () => {
  it('weights 5,1,1 give a a b a c a a, repeating', () => {
    const state = newSelectionState();
    const list = [backend(1, 5), backend(2), backend(3)];
    expect(names(Array.from({ length: 14 }, () => smoothWeightedRoundRobin(list, state)))).toBe('a a b a c a a a a b a c a a');
  });

  it('equal weights degrade to plain round-robin', () => {
    const state = newSelectionState();
    const list = [backend(1), backend(2), backend(3)];
    expect(names(Array.from({ length: 6 }, () => smoothWeightedRoundRobin(list, state)))).toBe('a b c a b c');
  });
});

describe('least connections', () => {
  it('prefers the fewest active connections relative to weight', () => {
    const active = new Map([
      [1, 4],
      [2, 1],
      [3, 3],
    ]);
    const list = [backend(1, 4), backend(2), backend(3)];
    // loads: 1/1 for a (4/4), 1/1 for b, 3/1 for c → a and b tie.
    const state = newSelectionState();
    const picks = Array.from({ length: 4 }, () => leastConnections(list, (id) => active.get(id)!, state));
    expect(new Set(names(picks).split(' '))).toEqual(new Set(['a', 'b']));
  });

  it('breaks ties round-robin when all are idle', () => {
    const state = newSelectionState();
    const list = [backend(1), backend(2), backend(3)];
    expect(names(Array.from({ length: 6 }, () => leastConnections(list, () => 0, state)))).toBe('a b c a b c');
  });
});

describe('ip hash', () => {
  it('sends the same client to the same backend, and spreads different clients', () => {
    const list = [backend(1), backend(2), backend(3)];
    for (const ip of ['127.0.0.1', '10.0.0.7', '::1']) expect(ipHash(list, ip)).toBe(ipHash(list, ip));
    const spread = new Set(Array.from({ length: 60 }, (_, i) => ipHash(list, `192.0.2.${i}`)!.name));
    expect(spread).toEqual(new Set(['a', 'b', 'c']));
  });
});

describe('random two choices', () => {
  it('takes the less loaded of two distinct random picks', () => {
    const list = [backend(1), backend(2), backend(3)];
    const active = (id: number) => (id === 2 ? 0 : 10);
    const values = [0.1, 0.9]; // a, then c (the second pick skips the first's index): equal load, a stays
    let i = 0;
    const pick = randomTwoChoices(list, active, () => values[i++ % 2]!);
    expect(pick!.name).toBe('a');
    const withB = randomTwoChoices(list, active, () => 0.5);
    expect(withB!.name).toBe('b');
    expect(randomTwoChoices([backend(9)], active)!.id).toBe(9);
  });
});

describe('consistent hash ring', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

  it('keeps each backend near its weighted share', () => {
    const ring = new HashRing([backend(1), backend(2), backend(3, 2)], (b) => b.name);
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(ring.pick(key)!.name, (counts.get(ring.pick(key)!.name) ?? 0) + 1);
    expect(counts.get('a')! / keys.length).toBeCloseTo(0.25, 1);
    expect(counts.get('b')! / keys.length).toBeCloseTo(0.25, 1);
    expect(counts.get('c')! / keys.length).toBeCloseTo(0.5, 1);
  });

  it('removing one of N backends remaps only about 1/N of the keys, all of them from the removed one', () => {
    const five = [1, 2, 3, 4, 5].map((id) => backend(id));
    const before = new HashRing(five, (b) => b.name);
    const after = new HashRing(five.filter((b) => b.id !== 3), (b) => b.name);
    let moved = 0;
    for (const key of keys) {
      const was = before.pick(key)!;
      const now = after.pick(key)!;
      if (was !== now) {
        moved += 1;
        expect(was.id).toBe(3);
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.12);
    expect(moved / keys.length).toBeLessThan(0.28);
  });

  it('is empty-safe', () => {
    expect(new HashRing([], () => '').pick('x')).toBeUndefined();
  });

  // Weights go to 1000 and a route to 256 backends: points per weight unit
  // (nginx's 160) made 2.56M points for 16 × weight 1000 and hung the proxy.
  const servers = (weights: readonly number[]) => weights.map((weight, i) => ({ id: i + 1, weight, name: `http://127.0.0.1:${40_000 + i}` }));
  const shares = <T extends { id: number; weight: number }>(ring: HashRing<T>) => {
    const counts = new Map<number, number>();
    for (const key of keys) counts.set(ring.pick(key)!.id, (counts.get(ring.pick(key)!.id) ?? 0) + 1);
    return (id: number) => (counts.get(id) ?? 0) / keys.length;
  };

  it('sizes the ring by backend count, not by weight', () => {
    expect(new HashRing(servers([1000, 1000]), (b) => b.name).size).toBe(2 * ringPointsPerBackend);
    expect(new HashRing(servers([1, 1]), (b) => b.name).size).toBe(2 * ringPointsPerBackend);
    expect(new HashRing(servers(Array(256).fill(1000)), (b) => b.name).size).toBe(maxRingPoints);
    // Mixed weights: rounding and the one-point floor add at most one point per backend.
    const mixed = new HashRing(servers(Array.from({ length: 256 }, (_, i) => 1 + ((i * 389) % 1000))), (b) => b.name);
    expect(mixed.size).toBeLessThanOrEqual(maxRingPoints + 256);
    // A hand-edited store with more backends than a route may have: fewer points each, not a bigger ring.
    expect(new HashRing(servers(Array(1000).fill(1000)), (b) => b.name).size).toBeLessThanOrEqual(maxRingPoints + 1000);
  });

  it('keeps shares proportional to weights, at any scale, and gives a light backend at least one point', () => {
    for (const [light, heavy] of [
      [1, 3],
      [250, 750],
    ] as const) {
      const share = shares(new HashRing(servers([light, heavy]), (b) => b.name));
      expect(share(1)).toBeGreaterThan(0.25 * 0.7);
      expect(share(1)).toBeLessThan(0.25 * 1.3);
    }
    const lopsided = new HashRing(servers([1, 1000]), (b) => b.name);
    expect(lopsided.size).toBe(2 * ringPointsPerBackend + 1);
    expect(shares(lopsided)(1)).toBeGreaterThan(0);
  });

  it('removing one of 16 heavy backends remaps about 1/16 of the keys, all from the removed one', () => {
    const sixteen = servers(Array(16).fill(1000));
    const before = new HashRing(sixteen, (b) => b.name);
    const after = new HashRing(sixteen.filter((b) => b.id !== 7), (b) => b.name);
    let moved = 0;
    for (const key of keys) {
      if (before.pick(key) !== after.pick(key)) {
        moved += 1;
        expect(before.pick(key)!.id).toBe(7);
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.5 / 16);
    expect(moved / keys.length).toBeLessThan(1.5 / 16);
  });

  it('with unequal weights, removing one moves its keys and only a few others', () => {
    const eight = servers([100, 200, 300, 400, 500, 600, 700, 800]);
    const before = new HashRing(eight, (b) => b.name);
    const after = new HashRing(eight.filter((b) => b.id !== 4), (b) => b.name);
    let fromRemoved = 0;
    let fromOthers = 0;
    for (const key of keys) {
      if (before.pick(key) === after.pick(key)) continue;
      if (before.pick(key)!.id === 4) fromRemoved += 1;
      else fromOthers += 1;
    }
    expect(fromRemoved).toBe(keys.filter((key) => before.pick(key)!.id === 4).length);
    // The survivors' counts rescale by under 2% here (ketama does the same).
    expect(fromOthers / keys.length).toBeLessThan(0.03);
  });
});
