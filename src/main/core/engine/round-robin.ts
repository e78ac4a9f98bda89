export interface RoundRobinState {
  next: number;
}

/**
 * Plain round-robin over the candidates in order. The cursor lives in the
 * engine's runtime state, not in the routing table, so it survives config
 * swaps; a shrinking candidate list just wraps it.
 */
export function pickRoundRobin<T>(candidates: readonly T[], state: RoundRobinState): T | undefined {
  if (candidates.length === 0) return undefined;
  const index = state.next % candidates.length;
  state.next = (index + 1) % candidates.length;
  return candidates[index];
}
