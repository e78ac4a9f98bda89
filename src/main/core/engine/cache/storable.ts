import type { Directives } from './cache-control';
import { freshnessLifetime, hasExplicitExpiration, heuristicallyCacheable, type FreshnessHeaders } from './freshness';
import { varyAnything, varyNames } from './vary';

// Whether a response may be stored (RFC 9111 §3, as a shared cache), and if
// not, the sentence that says why: Cache-Status's detail, the traffic view.

export interface StoreQuestion extends FreshnessHeaders {
  method: string;
  status: number;
  request: Directives;
  response: Directives;
  hasAuthorization: boolean;
  hasSetCookie: boolean;
  vary: string | undefined;
  etag: string | undefined;
  /** The announced body length, when there is one. */
  contentLength: number | undefined;
  maxEntryBytes: number;
  responseTimeMs: number;
}

export type StoreDecision = { store: true } | { store: false; why: string };

const stored: StoreDecision = { store: true };
const notStored = (why: string): StoreDecision => ({ store: false, why: `not stored: ${why}` });

/** §3.5: a response to a request with Authorization only with one of these. */
const sharedDespiteAuthorization = ['public', 's-maxage', 'must-revalidate'];

export function storability(q: StoreQuestion): StoreDecision {
  // HEAD is answered from stored GET responses; its own answer has no body to store.
  if (q.method !== 'GET') return notStored(`only GET responses are stored, this was ${q.method}`);
  // 206 would need ranges stitched together; 304 only updates what is stored (§4.3.4).
  if (q.status < 200 || q.status === 206 || q.status === 304) return notStored(`status ${q.status} is not stored`);
  if (q.request.has('no-store')) return notStored('the request has Cache-Control: no-store');
  if (q.response.has('no-store')) return notStored('response has Cache-Control: no-store');
  // Unqualified private is for one user's cache only (§5.2.2.7); the qualified form drops its fields when stored.
  if (q.response.get('private') === true) return notStored('response has Cache-Control: private');
  if (q.hasAuthorization && !sharedDespiteAuthorization.some((d) => q.response.has(d))) {
    return notStored('the request has Authorization and the response none of public, s-maxage or must-revalidate (RFC 9111 §3.5)');
  }
  // The RFC lets a shared cache keep Set-Cookie; nginx and Varnish do not by default, since it is usually one user's session.
  // An explicit s-maxage is the backend saying it is for everyone.
  if (q.hasSetCookie && !q.response.has('s-maxage')) return notStored('response has Set-Cookie and no s-maxage');
  if (varyNames(q.vary) === varyAnything) return notStored('response has Vary: *, which no later request can match');
  if (q.contentLength !== undefined && q.contentLength > q.maxEntryBytes) {
    return notStored(`its body of ${q.contentLength} bytes is over the per-entry limit of ${q.maxEntryBytes}`);
  }
  const explicit = hasExplicitExpiration(q.response, q);
  if (!explicit && !heuristicallyCacheable.has(q.status) && !q.response.has('public')) {
    return notStored(`status ${q.status} is stored only with max-age, s-maxage, Expires or public`);
  }
  const lifetime = freshnessLifetime(q.status, q.response, q, q.responseTimeMs);
  if (lifetime.seconds === 0 && q.etag === undefined && q.lastModified === undefined) {
    return notStored(
      explicit ? 'it is stale at once and has no ETag or Last-Modified to revalidate with' : 'response has no max-age, s-maxage, Expires, Last-Modified or ETag',
    );
  }
  return stored;
}
