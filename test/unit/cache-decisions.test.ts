import { describe, expect, it } from 'vitest';
import { parseCacheControl } from '../../src/main/core/engine/cache/cache-control';
import { cacheStatus } from '../../src/main/core/engine/cache/cache-status';
import { currentAge, freshnessLifetime } from '../../src/main/core/engine/cache/freshness';
import { reuse, staleOnError } from '../../src/main/core/engine/cache/reuse';
import { storability, type StoreQuestion } from '../../src/main/core/engine/cache/storable';
import { varyMatches, varyNames, varyValues } from '../../src/main/core/engine/cache/vary';

const now = Date.parse('Tue, 01 Dec 2026 12:00:00 GMT');
const httpDate = (offsetSeconds: number) => new Date(now + offsetSeconds * 1000).toUTCString();
const cc = parseCacheControl;

function question(change: Partial<StoreQuestion> & { cacheControl?: string; requestCacheControl?: string } = {}): StoreQuestion {
  const { cacheControl, requestCacheControl, ...rest } = change;
  return {
    method: 'GET',
    status: 200,
    request: cc(requestCacheControl),
    response: cc(cacheControl ?? 'max-age=60'),
    hasAuthorization: false,
    hasSetCookie: false,
    vary: undefined,
    etag: undefined,
    contentLength: 100,
    maxEntryBytes: 8 << 20,
    responseTimeMs: now,
    date: httpDate(0),
    expires: undefined,
    lastModified: undefined,
    ...rest,
  };
}
const why = (q: StoreQuestion) => {
  const decision = storability(q);
  return decision.store ? 'stored' : decision.why;
};

describe('Cache-Control parsing', () => {
  it('reads names case-insensitively, unquotes values, keeps commas inside quotes and the first of duplicates', () => {
    const d = cc('Max-Age=60, private="Set-Cookie, X-User", max-age=5, no-cache');
    expect(d.get('max-age')).toBe('60');
    expect(d.get('private')).toBe('Set-Cookie, X-User');
    expect(d.get('no-cache')).toBe(true);
  });
});

describe('storability (RFC 9111 §3)', () => {
  it('stores a GET 200 with max-age', () => expect(why(question())).toBe('stored'));
  it('says why for each refusal', () => {
    expect(why(question({ cacheControl: 'no-store, max-age=60' }))).toBe('not stored: response has Cache-Control: no-store');
    expect(why(question({ cacheControl: 'private, max-age=60' }))).toBe('not stored: response has Cache-Control: private');
    expect(why(question({ requestCacheControl: 'no-store' }))).toBe('not stored: the request has Cache-Control: no-store');
    expect(why(question({ hasSetCookie: true }))).toBe('not stored: response has Set-Cookie and no s-maxage');
    expect(why(question({ vary: 'Accept, *' }))).toBe('not stored: response has Vary: *, which no later request can match');
    expect(why(question({ contentLength: 9 << 20 }))).toContain('over the per-entry limit');
    expect(why(question({ status: 206 }))).toBe('not stored: status 206 is not stored');
    expect(why(question({ method: 'HEAD' }))).toBe('not stored: only GET responses are stored, this was HEAD');
  });
  it('stores Set-Cookie only with s-maxage; qualified private is storable', () => {
    expect(why(question({ hasSetCookie: true, cacheControl: 's-maxage=60' }))).toBe('stored');
    expect(why(question({ cacheControl: 'private="x-user", max-age=60' }))).toBe('stored');
  });
  it('§3.5: Authorization needs public, s-maxage or must-revalidate', () => {
    expect(why(question({ hasAuthorization: true }))).toContain('Authorization');
    for (const d of ['public, max-age=60', 's-maxage=60', 'must-revalidate, max-age=60']) expect(why(question({ hasAuthorization: true, cacheControl: d }))).toBe('stored');
  });
  it('a status that is not heuristically cacheable needs explicit freshness', () => {
    expect(why(question({ status: 302, cacheControl: '' , lastModified: httpDate(-3600) }))).toBe('not stored: status 302 is stored only with max-age, s-maxage, Expires or public');
    expect(why(question({ status: 302, cacheControl: 'max-age=10' }))).toBe('stored');
    expect(why(question({ status: 500, cacheControl: 'max-age=10' }))).toBe('stored');
  });
  it('nothing to go on: no freshness and no validator', () => {
    expect(why(question({ cacheControl: '' }))).toBe('not stored: response has no max-age, s-maxage, Expires, Last-Modified or ETag');
    expect(why(question({ cacheControl: 'max-age=0' }))).toBe('not stored: it is stale at once and has no ETag or Last-Modified to revalidate with');
    // Stale at once but revalidatable: stored (so a 304 can answer next time).
    expect(why(question({ cacheControl: 'no-cache', etag: '"v1"' }))).toBe('stored');
  });
});

describe('freshness lifetime (§4.2.1, §4.2.2)', () => {
  const headers = { date: httpDate(0), expires: undefined, lastModified: undefined };
  it('s-maxage over max-age over Expires', () => {
    expect(freshnessLifetime(200, cc('max-age=10, s-maxage=20'), { ...headers, expires: httpDate(30) }, now)).toEqual({ seconds: 20, source: 's-maxage' });
    expect(freshnessLifetime(200, cc('max-age=10'), { ...headers, expires: httpDate(30) }, now)).toEqual({ seconds: 10, source: 'max-age' });
    expect(freshnessLifetime(200, cc(''), { ...headers, expires: httpDate(30) }, now)).toEqual({ seconds: 30, source: 'Expires' });
  });
  it('an invalid Expires or max-age is already expired', () => {
    expect(freshnessLifetime(200, cc(''), { ...headers, expires: '0' }, now).seconds).toBe(0);
    expect(freshnessLifetime(200, cc('max-age=abc'), headers, now).seconds).toBe(0);
  });
  it('heuristic: 10% of the time since Last-Modified, only for heuristically cacheable statuses or public', () => {
    const modified = { ...headers, lastModified: httpDate(-1000) };
    expect(freshnessLifetime(200, cc(''), modified, now)).toEqual({ seconds: 100, source: 'heuristic' });
    expect(freshnessLifetime(302, cc(''), modified, now)).toEqual({ seconds: 0, source: 'none' });
    expect(freshnessLifetime(302, cc('public'), modified, now)).toEqual({ seconds: 100, source: 'heuristic' });
  });
});

describe('age (§4.2.3)', () => {
  it('takes the larger of apparent age and Age plus the response delay, then adds resident time', () => {
    // Date 10 s before the response arrived, Age 3, 2 s in flight: apparent 10 wins; 5 s resident.
    expect(currentAge({ requestTimeMs: now - 2000, responseTimeMs: now, dateSeconds: now / 1000 - 10, ageSeconds: 3 }, now + 5000)).toBe(15);
    // Age 30 wins over the apparent age.
    expect(currentAge({ requestTimeMs: now - 2000, responseTimeMs: now, dateSeconds: now / 1000, ageSeconds: 30 }, now)).toBe(32);
  });
});

describe('reuse (§4, RFC 5861, RFC 8246)', () => {
  const fresh = { directives: cc('max-age=60'), lifetimeSeconds: 60 };
  it('fresh is a hit with its ttl', () => expect(reuse(fresh, 10, cc(undefined))).toMatchObject({ use: 'hit', ttl: 50 }));
  it('request no-cache or max-age=0 forwards a fresh response as fwd=request', () => {
    expect(reuse(fresh, 10, cc('no-cache'))).toMatchObject({ use: 'forward', fwd: 'request' });
    expect(reuse(fresh, 10, cc('max-age=0'))).toMatchObject({ use: 'forward', fwd: 'request' });
    expect(reuse(fresh, 10, cc('max-age=20'))).toMatchObject({ use: 'hit' });
  });
  it('immutable answers a reload while fresh', () => {
    expect(reuse({ directives: cc('max-age=60, immutable'), lifetimeSeconds: 60 }, 10, cc('no-cache'))).toMatchObject({ use: 'hit' });
  });
  it('stale is forwarded, unless stale-while-revalidate covers it (and must-revalidate forbids that)', () => {
    expect(reuse(fresh, 70, cc(undefined))).toMatchObject({ use: 'forward', fwd: 'stale', ttl: -10 });
    const swr = { directives: cc('max-age=60, stale-while-revalidate=30'), lifetimeSeconds: 60 };
    expect(reuse(swr, 70, cc(undefined))).toMatchObject({ use: 'hit', revalidateInBackground: true });
    expect(reuse(swr, 100, cc(undefined))).toMatchObject({ use: 'forward', fwd: 'stale' });
    const strict = { directives: cc('max-age=60, stale-while-revalidate=30, must-revalidate'), lifetimeSeconds: 60 };
    expect(reuse(strict, 70, cc(undefined))).toMatchObject({ use: 'forward' });
  });
  it('response no-cache is always revalidated', () => {
    expect(reuse({ directives: cc('no-cache, max-age=60'), lifetimeSeconds: 60 }, 0, cc(undefined))).toMatchObject({ use: 'forward', fwd: 'stale' });
  });
  it('stale-if-error, the route switch, and what forbids both', () => {
    const sie = { directives: cc('max-age=60, stale-if-error=100'), lifetimeSeconds: 60 };
    expect(staleOnError(sie, 100, cc(undefined), false)).toEqual({ serve: true });
    expect(staleOnError(sie, 200, cc(undefined), false)).toMatchObject({ serve: false, why: 'stale for 140 s, past stale-if-error=100' });
    expect(staleOnError(fresh, 1000, cc(undefined), true)).toEqual({ serve: true });
    expect(staleOnError(fresh, 1000, cc(undefined), false)).toMatchObject({ serve: false });
    expect(staleOnError({ directives: cc('s-maxage=60'), lifetimeSeconds: 60 }, 1000, cc(undefined), true)).toMatchObject({
      serve: false,
      why: 'the stored response has s-maxage, so it is not served stale',
    });
  });
});

describe('Vary (§4.1)', () => {
  const req = (headers: Record<string, string>) => ({ header: (name: string) => headers[name] });
  it('matches normalised values; an absent header matches only an absent one; * is kept apart', () => {
    const names = varyNames('Accept-Encoding, accept-language');
    expect(names).toEqual(['accept-encoding', 'accept-language']);
    const stored = varyValues(names as string[], req({ 'accept-encoding': 'gzip,  br' }));
    expect(varyMatches(names as string[], stored, req({ 'accept-encoding': 'gzip, br' }))).toBe(true);
    expect(varyMatches(names as string[], stored, req({ 'accept-encoding': 'br' }))).toBe(false);
    expect(varyMatches(names as string[], stored, req({ 'accept-encoding': 'gzip,br', 'accept-language': 'en' }))).toBe(false);
    expect(varyNames('accept, *')).toBe('*');
  });
});

describe('Cache-Status (RFC 9211)', () => {
  it('writes the parameters and escapes the detail as a structured-field string', () => {
    expect(cacheStatus({ hit: true, ttl: 12.7 })).toBe('Switchyard; hit; ttl=12');
    expect(cacheStatus({ fwd: 'uri-miss', fwdStatus: 200, stored: true })).toBe('Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(cacheStatus({ fwd: 'uri-miss', detail: 'has "quotes" \\ and é' })).toBe('Switchyard; fwd=uri-miss; detail="has \\"quotes\\" \\\\ and ?"');
  });
});
