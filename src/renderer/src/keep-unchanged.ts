/**
 * `next`, except that every part deep-equal to the same part of `prev` is
 * `prev`'s object: a live push that changed one backend's counters leaves
 * every other backend's stats, and every route, the same reference, so
 * memoised components and store selectors see no change and do not render.
 * Arrays of `{ id }` items are matched by id, so adding a route does not
 * make every later route look new. For plain JSON data (what the core sends).
 */
export function keepUnchanged<T>(prev: unknown, next: T): T {
  if (Object.is(prev, next) || typeof prev !== 'object' || typeof next !== 'object' || prev === null || next === null) return next;
  if (Array.isArray(next)) return Array.isArray(prev) ? (keepArray(prev, next) as T) : next;
  if (Array.isArray(prev)) return next;
  const before = prev as Record<string, unknown>;
  const entries = Object.entries(next as Record<string, unknown>).map(([key, value]): [string, unknown] => [
    key,
    Object.hasOwn(before, key) ? keepUnchanged(before[key], value) : value,
  ]);
  const same = entries.length === Object.keys(before).length && entries.every(([key, value]) => Object.hasOwn(before, key) && before[key] === value);
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return same ? (prev as T) : (Object.fromEntries(entries) as T);
}

function idOf(item: unknown): unknown {
  return typeof item === 'object' && item !== null && 'id' in item ? item.id : undefined;
}

function keepArray(prev: unknown[], next: unknown[]): unknown[] {
  const byId = new Map<unknown, unknown>();
  for (const item of prev) {
    const id = idOf(item);
    if (id !== undefined) byId.set(id, item);
  }
  const kept = next.map((item, index) => {
    const id = idOf(item);
    return keepUnchanged(id === undefined ? prev[index] : byId.get(id), item);
  });
  return kept.length === prev.length && kept.every((item, index) => item === prev[index]) ? prev : kept;
}
