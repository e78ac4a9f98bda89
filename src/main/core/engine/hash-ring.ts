import { hash32 } from './hash';
import type { Candidate } from './selection-policies';

// 160 points per weight unit, as ketama (libmemcached) does: enough that each
// backend's share is within a few percent of its weight.
const pointsPerWeight = 160;

/**
 * A consistent-hash ring over the candidates. Removing one of N backends
 * moves only the keys that were on its points, about 1/N of them; the others
 * keep their backend. Built once per routing table, looked up by binary search.
 */
export class HashRing<T extends Candidate> {
  private readonly points: Uint32Array;
  private readonly owners: T[];

  constructor(candidates: readonly T[], identity: (candidate: T) => string) {
    const entries: { point: number; owner: T }[] = [];
    for (const candidate of candidates) {
      const name = identity(candidate);
      for (let i = 0; i < candidate.weight * pointsPerWeight; i++) entries.push({ point: hash32(`${name}#${i}`), owner: candidate });
    }
    entries.sort((a, b) => a.point - b.point);
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = entries.map((e) => e.owner);
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
