import { deltaSeconds, type Directives } from './cache-control';

// Freshness (RFC 9111 §4.2): how long a stored response may be used without
// asking the backend, and how old it is now. Times are epoch milliseconds
// in, seconds out, as the RFC counts.

const msPerSecond = 1000;

/**
 * Statuses a cache may give a heuristic lifetime (RFC 9110 §15.1): others
 * need explicit freshness (max-age, s-maxage, Expires) to be stored.
 */
export const heuristicallyCacheable: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

/** §4.2.2 suggests 10% of the time since Last-Modified. */
const heuristicFraction = 0.1;
/** And no longer than a day: Squid's refresh_pattern caps its own at 3 days; a dev server's files change more often. */
const heuristicMaxSeconds = 24 * 60 * 60;

/** An HTTP-date (RFC 9110 §5.6.7) as epoch seconds; undefined when it does not parse. */
export function httpDateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / msPerSecond);
}

export interface Lifetime {
  seconds: number;
  /** What set it, for Cache-Status details and the unit tests. */
  source: 's-maxage' | 'max-age' | 'Expires' | 'heuristic' | 'none';
}

export interface FreshnessHeaders {
  date: string | undefined;
  expires: string | undefined;
  lastModified: string | undefined;
}

/** Whether the response carries explicit expiration (s-maxage, max-age or Expires, even an invalid Expires, which means already expired). */
export function hasExplicitExpiration(directives: Directives, headers: FreshnessHeaders): boolean {
  return directives.has('s-maxage') || directives.has('max-age') || headers.expires !== undefined;
}

/**
 * §4.2.1, in the order a shared cache reads them: s-maxage, max-age,
 * Expires − Date; a heuristic only without any of those and only for a
 * heuristically cacheable status or `public` (§4.2.2).
 */
export function freshnessLifetime(status: number, directives: Directives, headers: FreshnessHeaders, responseTimeMs: number): Lifetime {
  const sMaxAge = deltaSeconds(directives, 's-maxage');
  if (sMaxAge !== undefined) return { seconds: sMaxAge, source: 's-maxage' };
  const maxAge = deltaSeconds(directives, 'max-age');
  if (maxAge !== undefined) return { seconds: maxAge, source: 'max-age' };
  // A present but invalid max-age (max-age=abc) is no lifetime at all: stale at once (§4.2.1 "invalid... treated as stale").
  if (directives.has('s-maxage') || directives.has('max-age')) return { seconds: 0, source: 'max-age' };
  const date = httpDateSeconds(headers.date) ?? Math.floor(responseTimeMs / msPerSecond);
  if (headers.expires !== undefined) {
    const expires = httpDateSeconds(headers.expires);
    // An invalid Expires (often "0") means already expired (§5.3).
    return { seconds: expires === undefined ? 0 : Math.max(0, expires - date), source: 'Expires' };
  }
  if (!heuristicallyCacheable.has(status) && !directives.has('public')) return { seconds: 0, source: 'none' };
  const lastModified = httpDateSeconds(headers.lastModified);
  if (lastModified === undefined || lastModified >= date) return { seconds: 0, source: 'none' };
  return { seconds: Math.min(heuristicMaxSeconds, Math.floor((date - lastModified) * heuristicFraction)), source: 'heuristic' };
}

/** What §4.2.3 needs to know about when the response was fetched. */
export interface FetchTimes {
  /** When the request that fetched it was sent (ms). */
  requestTimeMs: number;
  /** When its head arrived (ms). */
  responseTimeMs: number;
  /** Its Date header (s), or undefined. */
  dateSeconds: number | undefined;
  /** Its Age header (s), 0 when absent or invalid. */
  ageSeconds: number;
}

/** §4.2.3 current_age in seconds, not rounded: a request's max-age=0 is then never met by a response fetched a moment ago (the Age header floors it). */
export function currentAge(times: FetchTimes, nowMs: number): number {
  const responseTime = times.responseTimeMs / msPerSecond;
  const dateValue = times.dateSeconds ?? responseTime;
  const apparentAge = Math.max(0, responseTime - dateValue);
  const responseDelay = (times.responseTimeMs - times.requestTimeMs) / msPerSecond;
  const correctedAgeValue = times.ageSeconds + responseDelay;
  const correctedInitialAge = Math.max(apparentAge, correctedAgeValue);
  const residentTime = (nowMs - times.responseTimeMs) / msPerSecond;
  return correctedInitialAge + residentTime;
}

/** The Age header's value (§5.1): a non-negative integer; anything else is ignored. */
export function ageHeaderSeconds(value: string | undefined): number {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return 0;
  return Math.min(Number(value), 2 ** 31);
}
