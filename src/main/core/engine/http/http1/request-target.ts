import { parseHost } from '../host-header';
import type { HeadError, RequestHead } from './head-parser';

const absoluteForm = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i;
const bad = (message: string) => ({ error: { status: 400, message } satisfies HeadError });

/** An absolute-form target (`http://host:port/x?y`) becomes origin-form (`/x?y`) with its authority as Host. */
function toOriginForm(head: RequestHead, scheme: string, authority: string, rest: string): { error: HeadError } | undefined {
  const lower = scheme.toLowerCase();
  if (lower !== 'http' && lower !== 'https') return bad(`A ${scheme}: request target cannot be proxied; send a path, or an http:// URL.`);
  // RFC 9110 §4.2.4: userinfo in an http(s) URI is treated as an error.
  if (authority.includes('@')) return bad('The request target has user information (user@host); send the URL without it.');
  const host = parseHost(authority, "The request target's host");
  if ('error' in host) return bad(host.error);
  // RFC 9110 §4.2.1: an http URI with an empty host is invalid.
  if (host.host === '') return bad('The request target has no host.');
  head.replaceHost(authority);
  // RFC 9112 §3.2.4: an empty path is "/", or "*" for a server-wide OPTIONS.
  if (!rest.startsWith('/')) head.target = `${rest === '' && head.method === 'OPTIONS' ? '*' : '/'}${rest}`;
  else head.target = rest;
  return undefined;
}

/**
 * Brings a request head into the one shape the rest of the proxy handles
 * (RFC 9112 §3.2): an origin-form target, and a Host that is valid. An
 * absolute-form target (what clients send to forward proxies) is routed by
 * its authority, which replaces the Host header (RFC 9112 §3.2.2: the Host
 * received is ignored), and forwarded as origin-form, which is all an origin
 * server must accept. Returns the routing host, or the 400 to answer
 * (RFC 9112 §3.2: a Host with an invalid value gets a 400).
 */
export function normaliseRequest(head: RequestHead): { host: string } | { error: HeadError } {
  const target = head.target;
  if (!target.startsWith('/') && !(target === '*' && head.method === 'OPTIONS')) {
    const absolute = absoluteForm.exec(target);
    if (!absolute) return bad('The request target must be a path starting with /, or an absolute http:// URL.');
    const failed = toOriginForm(head, absolute[1]!, absolute[2]!, absolute[3]!);
    if (failed) return failed;
  }
  const host = parseHost(head.header('host') ?? '');
  return 'error' in host ? bad(host.error) : host;
}
