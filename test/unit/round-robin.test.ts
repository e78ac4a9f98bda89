import { describe, expect, it } from 'vitest';
import { pickRoundRobin } from '../../src/main/core/engine/round-robin';

describe('round-robin', () => {
  it('cycles through candidates in order', () => {
    const state = { next: 0 };
    expect(Array.from({ length: 7 }, () => pickRoundRobin(['a', 'b', 'c'], state))).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('keeps going when the candidate list shrinks between picks', () => {
    const state = { next: 0 };
    pickRoundRobin(['a', 'b', 'c'], state);
    pickRoundRobin(['a', 'b', 'c'], state);
    expect(pickRoundRobin(['a', 'b'], state)).toBe('a');
    expect(pickRoundRobin(['a', 'b'], state)).toBe('b');
  });

  it('returns undefined without candidates', () => {
    expect(pickRoundRobin([], { next: 0 })).toBeUndefined();
  });
});
