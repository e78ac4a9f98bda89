import type { CacheEntry, RouteUsage } from './cache-store';

// The map both stores (memory, disk) keep: the variants stored for each
// primary key, in recency order (a use moves the key to the end, so the
// first key is the least recently used). What the stores do when an entry
// goes (uncharge its memory, delete its file) is theirs: `removed`.

export type VariantSlots = Map<string, CacheEntry[]>;

/** The variants stored for a key, marked as just used. */
export function useVariants(slots: VariantSlots, key: string): readonly CacheEntry[] | undefined {
  const slot = slots.get(key);
  if (slot) {
    slots.delete(key);
    slots.set(key, slot);
  }
  return slot;
}

/** Drops every variant of a key (RFC 9111 §4.4 invalidation); the number dropped. */
export function invalidateKey(slots: VariantSlots, key: string, removed: (entry: CacheEntry) => void): number {
  const slot = slots.get(key);
  if (!slot) return 0;
  slots.delete(key);
  for (const entry of slot) removed(entry);
  return slot.length;
}

/** Drops every entry `drop` picks; what went. */
export function purgeWhere(slots: VariantSlots, drop: (entry: CacheEntry) => boolean, removed: (entry: CacheEntry) => void): RouteUsage {
  const purged = { entries: 0, bytes: 0 };
  for (const [key, slot] of slots) {
    const kept = slot.filter((entry) => {
      if (!drop(entry)) return true;
      purged.entries += 1;
      purged.bytes += entry.size;
      removed(entry);
      return false;
    });
    if (kept.length === 0) slots.delete(key);
    else if (kept.length !== slot.length) slots.set(key, kept);
  }
  return purged;
}
