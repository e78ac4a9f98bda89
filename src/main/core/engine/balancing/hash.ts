const fnvOffsetBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;

/**
 * FNV-1a's running state after `text`, continuing from `state`: hashing a
 * shared prefix once and continuing from it for each suffix gives the same
 * result as hashing each whole string.
 */
export function fnv1a(text: string, state = fnvOffsetBasis): number {
  let h = state;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, fnvPrime);
  }
  return h;
}

/** murmur3's finaliser: spreads short, similar keys ("user-1", "user-2") across the whole ring, which plain FNV does not. */
export function avalanche(state: number): number {
  let h = state;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit FNV-1a followed by murmur3's finaliser: cheap enough for the hot path. */
export function hash32(text: string): number {
  return avalanche(fnv1a(text));
}
