import { hash32 } from './hash';

// Backend selection, one pure function per algorithm, independent of HTTP so
// TCP routes can share them. Candidates are the backends that may receive
// traffic; state that must outlive routing-table swaps is passed in.

export interface Candidate {
  id: number;
  weight: number;
}

export interface SelectionState {
  /** round-robin cursor, and the tie-breaker of least-connections. */
  cursor: number;
  /** Smooth weighted round-robin's current weights, by backend id. */
  current: Map<number, number>;
}

export const newSelectionState = (): SelectionState => ({ cursor: 0, current: new Map() });

export function roundRobin<T extends Candidate>(candidates: readonly T[], state: SelectionState): T | undefined {
  if (candidates.length === 0) return undefined;
  const index = state.cursor % candidates.length;
  state.cursor = (index + 1) % candidates.length;
  return candidates[index];
}

/**
 * nginx's smooth weighted round-robin (ngx_http_upstream_get_peer): every
 * pick adds each weight to its current value, takes the largest and
 * subtracts the total from it. Weights 5,1,1 give a a b a c a a: the heavy
 * backend's turns are spread out, never a burst of five.
 */
export function smoothWeightedRoundRobin<T extends Candidate>(candidates: readonly T[], state: SelectionState): T | undefined {
  let best: T | undefined;
  let bestCurrent = -Infinity;
  let total = 0;
  for (const candidate of candidates) {
    const current = (state.current.get(candidate.id) ?? 0) + candidate.weight;
    state.current.set(candidate.id, current);
    total += candidate.weight;
    if (current > bestCurrent) {
      best = candidate;
      bestCurrent = current;
    }
  }
  if (best) state.current.set(best.id, bestCurrent - total);
  return best;
}

/**
 * Fewest active connections relative to weight (nginx least_conn); ties go
 * round-robin so idle backends share the load instead of the first taking it.
 */
export function leastConnections<T extends Candidate>(
  candidates: readonly T[],
  active: (id: number) => number,
  state: SelectionState,
): T | undefined {
  const count = candidates.length;
  if (count === 0) return undefined;
  const start = state.cursor % count;
  let best: T | undefined;
  let bestLoad = Infinity;
  for (let offset = 0; offset < count; offset++) {
    const candidate = candidates[(start + offset) % count]!;
    const load = active(candidate.id) / candidate.weight;
    if (load < bestLoad) {
      best = candidate;
      bestLoad = load;
    }
  }
  state.cursor = (start + 1) % count;
  return best;
}

/** Maps a hash onto the candidates in proportion to their weights. */
function byWeight<T extends Candidate>(candidates: readonly T[], hash: number): T | undefined {
  let total = 0;
  for (const candidate of candidates) total += candidate.weight;
  if (total === 0) return undefined;
  let point = hash % total;
  for (const candidate of candidates) {
    point -= candidate.weight;
    if (point < 0) return candidate;
  }
  return undefined;
}

/**
 * The whole client address picks the backend (HAProxy `balance source`;
 * nginx's ip_hash would use only the first three octets, which sends every
 * loopback client to one backend anyway). Stable while the set is unchanged.
 */
export function ipHash<T extends Candidate>(candidates: readonly T[], clientIp: string): T | undefined {
  return byWeight(candidates, hash32(clientIp));
}

/** Power of two choices: two random candidates, the less loaded wins (relative to weight). */
export function randomTwoChoices<T extends Candidate>(
  candidates: readonly T[],
  active: (id: number) => number,
  random: () => number = Math.random,
): T | undefined {
  const count = candidates.length;
  if (count <= 1) return candidates[0];
  const first = Math.floor(random() * count);
  let second = Math.floor(random() * (count - 1));
  if (second >= first) second += 1;
  const a = candidates[first]!;
  const b = candidates[second]!;
  return active(b.id) / b.weight < active(a.id) / a.weight ? b : a;
}
