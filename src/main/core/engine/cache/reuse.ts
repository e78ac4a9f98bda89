import { deltaSeconds, type Directives } from './cache-control';

// Whether a stored response may answer a request (RFC 9111 §4, §4.2.4,
// §5.2.1 request directives; RFC 5861 stale-while-revalidate and
// stale-if-error; RFC 8246 immutable).

export interface StoredFreshness {
  /** The stored response's Cache-Control. */
  directives: Directives;
  lifetimeSeconds: number;
}

export type Reuse =
  /** Answer from the store (fresh, or stale where a directive allows it). */
  | { use: 'hit'; ttl: number; detail: string | undefined; revalidateInBackground: boolean }
  /** Ask the backend first (conditionally, when there are validators); `fwd` as Cache-Status says it. */
  | { use: 'forward'; fwd: 'stale' | 'request'; ttl: number; detail: string };

/**
 * §4.2.4: a stale response must not be served when the response forbids it
 * (must-revalidate, proxy-revalidate, or s-maxage, which implies
 * proxy-revalidate for shared caches, §5.2.2.10); nor, of course, no-cache.
 * Undefined when serving stale is allowed.
 */
export function staleForbiddenBy(directives: Directives): string | undefined {
  for (const name of ['no-cache', 'must-revalidate', 'proxy-revalidate', 's-maxage']) if (directives.has(name)) return name;
  return undefined;
}

export function reuse(stored: StoredFreshness, ageSeconds: number, request: Directives): Reuse {
  const ttl = stored.lifetimeSeconds - ageSeconds;
  const fresh = ttl > 0;
  // Qualified no-cache is handled as the unqualified form, as §5.2.2.4 allows.
  if (stored.directives.has('no-cache')) return { use: 'forward', fwd: 'stale', ttl, detail: 'response has Cache-Control: no-cache, so every use is revalidated' };
  // A fresh immutable response is not revalidated on a reload's no-cache (RFC 8246 §2).
  const immutable = fresh && stored.directives.has('immutable');
  if (!immutable) {
    if (request.has('no-cache')) return { use: 'forward', fwd: fresh ? 'request' : 'stale', ttl, detail: 'the request has Cache-Control: no-cache' };
    const maxAge = deltaSeconds(request, 'max-age');
    if (maxAge !== undefined && ageSeconds > maxAge) return { use: 'forward', fwd: fresh ? 'request' : 'stale', ttl, detail: `the request has max-age=${maxAge} and the stored response is ${Math.floor(ageSeconds)} s old` };
    const minFresh = deltaSeconds(request, 'min-fresh');
    if (fresh && minFresh !== undefined && ttl < minFresh) return { use: 'forward', fwd: 'request', ttl, detail: `the request has min-fresh=${minFresh}` };
  }
  if (fresh) return { use: 'hit', ttl, detail: undefined, revalidateInBackground: false };
  const staleness = -ttl;
  const forbidden = staleForbiddenBy(stored.directives);
  if (forbidden === undefined) {
    // max-stale with no value: any staleness (§5.2.1.2).
    const maxStale = request.get('max-stale');
    if (maxStale === true || (maxStale !== undefined && staleness <= (deltaSeconds(request, 'max-stale') ?? -1))) {
      return { use: 'hit', ttl, detail: 'the request has max-stale', revalidateInBackground: false };
    }
    const whileRevalidate = deltaSeconds(stored.directives, 'stale-while-revalidate');
    if (whileRevalidate !== undefined && staleness <= whileRevalidate) {
      return { use: 'hit', ttl, detail: 'stale-while-revalidate', revalidateInBackground: true };
    }
  }
  return { use: 'forward', fwd: 'stale', ttl, detail: `stale for ${Math.floor(staleness)} s` };
}

/**
 * With every backend down or failing: whether a stale response may stand in
 * (RFC 5861 §4 stale-if-error, from the response or the request, or the
 * route's switch), or the sentence that says why not.
 */
export function staleOnError(stored: StoredFreshness, ageSeconds: number, request: Directives, routeAllows: boolean): { serve: true } | { serve: false; why: string } {
  const forbidden = staleForbiddenBy(stored.directives);
  if (forbidden !== undefined) return { serve: false, why: `the stored response has ${forbidden}, so it is not served stale` };
  const staleness = ageSeconds - stored.lifetimeSeconds;
  if (routeAllows) return { serve: true };
  const window = Math.max(deltaSeconds(stored.directives, 'stale-if-error') ?? -1, deltaSeconds(request, 'stale-if-error') ?? -1);
  if (window >= 0 && staleness <= window) return { serve: true };
  return {
    serve: false,
    why: window >= 0 ? `stale for ${Math.floor(staleness)} s, past stale-if-error=${window}` : 'the stored response has no stale-if-error and serveStaleWhenDown is off',
  };
}
