import { describe, expect, it } from 'vitest';
import { compactBytes, compactCount, millis, percent } from '../../src/renderer/src/format';

// The backends table's compact figures: a column is a few characters wide,
// and an error rate must never read as 0% when there were errors.

describe('compact figures', () => {
  it('prints bytes in decimal units with about three significant figures', () => {
    expect([0, 950, 1_234, 34_500, 999_600, 1_200_000, 5_600_000_000].map(compactBytes)).toEqual(['0 B', '950 B', '1.2 KB', '35 KB', '1.0 MB', '1.2 MB', '5.6 GB']);
  });

  it('prints counts as 950, 1.2k, 34k', () => {
    expect([0, 950, 1_234, 34_000, 2_500_000].map(compactCount)).toEqual(['0', '950', '1.2k', '34k', '2.5M']);
  });

  it('shows a small non-zero error rate as <1%, never 0%', () => {
    expect([0, 0.001, 0.034, 1].map(percent)).toEqual(['0%', '<1%', '3%', '100%']);
  });

  it('prints latency in ms, a dash without answers', () => {
    expect([null, 0.94, 2.25, 36.4].map(millis)).toEqual(['—', '0.9 ms', '2.3 ms', '36 ms']);
  });
});
