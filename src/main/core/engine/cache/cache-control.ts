// Cache-Control (RFC 9111 §5.2) as the cache reads it: directive names
// lower-cased, values unquoted; a directive given twice keeps its first value
// (§4.2.1 says a cache may treat duplicates as invalid; the first is what
// nginx and Varnish act on).

export type Directives = ReadonlyMap<string, string | true>;

const noDirectives: Directives = new Map();

/** Splits on commas outside quoted strings, so `no-cache="a, b"` stays one directive. */
function splitList(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) i++;
    else if (c === ',' && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

export function parseCacheControl(value: string | undefined): Directives {
  if (!value) return noDirectives;
  const out = new Map<string, string | true>();
  for (const part of splitList(value)) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name || out.has(name)) continue;
    if (eq === -1) {
      out.set(name, true);
      continue;
    }
    const raw = part.slice(eq + 1).trim();
    out.set(name, raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  return out;
}

/**
 * A delta-seconds argument (§1.2.2): digits only; anything else is invalid
 * and reads as undefined. Past 2^31 it is 2^31, as §1.2.2 asks.
 */
export function deltaSeconds(directives: Directives, name: string): number | undefined {
  const value = directives.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), 2 ** 31);
}

/** A qualified form (`private="set-cookie, x-user"`) as lower-cased field names; undefined when unqualified or absent. */
export function fieldNames(directives: Directives, name: string): string[] | undefined {
  const value = directives.get(name);
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((field) => field.trim().toLowerCase())
    .filter(Boolean);
}
