import { maxBackendsPerRoute } from '../../../../shared/model';
import { avalanche, fnv1a, hash32 } from './hash';
import type { Candidate } from './selection-policies';

// Points are shared out by weight from a fixed budget, as ketama
// (libmemcached) does: 160 points per backend on average, each backend's
// count scaled by its weight over the average weight. nginx's
// `hash ... consistent` instead gives 160 points per weight unit, which is
// fine for its small weights but here (weights to 1000) would mean 160,000
// points per backend and seconds of rebuild on every config or health change.
// With 160 points a backend's share is off its weighted share by about 8%
// (one standard deviation); among 256 equal backends the extremes measured
// 0.78× and 1.25×. A backend with only a few points (weight under a tenth of
// the average) is coarser.
export const ringPointsPerBackend = 160;
/** Enough for the most backends a route may have; a hand-edited store with more gets fewer points per backend, not a bigger ring. */
export const maxRingPoints = ringPointsPerBackend * maxBackendsPerRoute;

/** A 32-bit point times this plus an owner index stays below 2^53, so exact, for up to 2^21 backends (a route has at most 256). */
const ownerSlots = 2 ** 21;

/**
 * Each backend's point count: its weighted share of the budget, at least one
 * so a light backend still receives keys. With equal weights every backend has
 * exactly 160 whatever their number, so removing one moves only its own keys.
 */
function pointCounts(candidates: readonly Candidate[]): number[] {
  const totalWeight = candidates.reduce((sum, c) => sum + c.weight, 0);
  const budget = Math.min(ringPointsPerBackend * candidates.length, maxRingPoints);
  return candidates.map((c) => Math.max(1, Math.round((budget * c.weight) / totalWeight)));
}

/**
 * A consistent-hash ring over the candidates. Removing one of N backends
 * moves only the keys that were on its points, about 1/N of them; the others
 * keep their backend (with unequal weights the survivors' counts rescale a
 * little, as in ketama, moving a few more). Point i of a backend hashes
 * `name#i`, so a backend that gains points keeps the ones it had. Built once
 * per routing table, looked up by binary search. At most `maxRingPoints` plus
 * one per backend (rounding), so building costs milliseconds.
 */
export class HashRing<T extends Candidate> {
  private readonly points: Uint32Array;
  private readonly owners: T[];

  constructor(candidates: readonly T[], identity: (candidate: T) => string) {
    const counts = pointCounts(candidates);
    // Each entry packs a point and its owner's index into one exact double:
    // sorting a Float64Array is several times faster than sorting objects, and
    // equal points order by owner, so the ring does not depend on sort stability.
    const packed = new Float64Array(counts.reduce((sum, n) => sum + n, 0));
    let next = 0;
    candidates.forEach((candidate, index) => {
      // hash32(`${name}#${i}`) without rehashing the name for every point,
      // as ketama takes four points from each digest.
      const prefix = fnv1a(`${identity(candidate)}#`);
      for (let i = 0; i < counts[index]!; i++) packed[next++] = avalanche(fnv1a(String(i), prefix)) * ownerSlots + index;
    });
    packed.sort();
    this.points = new Uint32Array(packed.length);
    this.owners = new Array<T>(packed.length);
    packed.forEach((entry, i) => {
      const point = Math.floor(entry / ownerSlots);
      this.points[i] = point;
      this.owners[i] = candidates[entry - point * ownerSlots]!;
    });
  }

  get size(): number {
    return this.points.length;
  }

  pick(key: string): T | undefined {
    if (this.points.length === 0) return undefined;
    const target = hash32(key);
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.points[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return this.owners[low === this.points.length ? 0 : low];
  }
}
