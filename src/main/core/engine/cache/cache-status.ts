// Cache-Status (RFC 9211): what the cache did with this request, one list
// member named for this cache. Parameters in the RFC's order of mention.

export const cacheName = 'Switchyard';

export type Forward = 'bypass' | 'method' | 'uri-miss' | 'vary-miss' | 'miss' | 'request' | 'stale';

export interface CacheStatusParts {
  hit?: boolean;
  fwd?: Forward;
  fwdStatus?: number;
  stored?: boolean;
  /** The request waited for another one to the same URL instead of going to the backend itself. */
  collapsed?: boolean;
  /** Seconds of freshness left (negative: stale by that much). */
  ttl?: number;
  detail?: string;
}

/** A Structured Field string (RFC 8941 §3.3.3): only printable ASCII, `"` and `\` escaped. */
function sfString(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export function cacheStatus(parts: CacheStatusParts): string {
  let out = cacheName;
  if (parts.hit) out += '; hit';
  if (parts.fwd) out += `; fwd=${parts.fwd}`;
  if (parts.fwdStatus) out += `; fwd-status=${parts.fwdStatus}`;
  if (parts.stored) out += '; stored';
  if (parts.collapsed) out += '; collapsed';
  if (parts.ttl !== undefined) out += `; ttl=${Math.trunc(parts.ttl)}`;
  if (parts.detail) out += `; detail=${sfString(parts.detail)}`;
  return out;
}
