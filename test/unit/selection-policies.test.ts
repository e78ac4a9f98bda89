import { describe, expect, it } from 'vitest';
import { HashRing } from '../../src/main/core/engine/hash-ring';
import {
  ipHash,
  leastConnections,
  newSelectionState,
  randomTwoChoices,
  roundRobin,
  smoothWeightedRoundRobin,
} from '../../src/main/core/engine/selection-policies';

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
});
