import { randomBytes } from 'node:crypto';
import type { RequestMessage } from './message';
import { stripHopByHop } from './hop-headers';
import type { UpstreamTarget } from '../routing/routing-table';

// Set by the proxy after stripping, so a client cannot remove them by naming
// them in Connection, nor spoof Proto/Host/Port. X-Forwarded-For and Via are
// appended to, like nginx's $proxy_add_x_forwarded_for.
// Expect is answered by our own server (100 Continue), never forwarded.
// Content-Length is set again by the upstream client, which frames the body.
const proxySet = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'via', 'expect', 'content-length']);
const proxySetWithHost = new Set([...proxySet, 'host']);

/** Responses say only that Switchyard passed them on; the per-engine name stays between the proxy and its backends. */
const responseVia = '1.1 switchyard';
const pseudonymBytes = 4;

/**
 * This engine's name in requests' Via (a pseudonym, RFC 9110 §7.6.3): random
 * per engine, so a request that arrives carrying it has gone round in a loop,
 * while two Switchyards chained on purpose each see only the other's name.
 */
export function viaPseudonym(): string {
  return `switchyard-${randomBytes(pseudonymBytes).toString('hex')}`;
}

/** Whether a Via header lists `pseudonym` as one of the proxies the request passed (`1.1 name`, comma-separated). */
export function cameThrough(via: string | undefined, pseudonym: string): boolean {
  if (via === undefined || !via.includes(pseudonym)) return false;
  return via.split(',').some((hop) => hop.trim().split(/[ \t]+/)[1] === pseudonym);
}

const appended = (prior: string | string[] | undefined, value: string) =>
  prior === undefined ? value : `${Array.isArray(prior) ? prior.join(', ') : prior}, ${value}`;

export interface UpstreamHeaderOptions {
  /** Send the backend's own host:port as Host. */
  rewriteHost: boolean;
  /** This engine's Via pseudonym, see viaPseudonym. */
  via: string;
}

/** The request headers sent upstream, as a flat raw-header list. */
export function upstreamRequestHeaders(req: RequestMessage, target: UpstreamTarget, options: UpstreamHeaderOptions): string[] {
  const headers = stripHopByHop(req.rawHeaders, options.rewriteHost ? proxySetWithHost : proxySet);
  // HTTP/1.0 clients may omit Host; the backend speaks HTTP/1.1, which requires one.
  const host = req.header('host');
  if (options.rewriteHost || host === undefined) headers.push('Host', target.hostport);
  headers.push('X-Forwarded-For', appended(req.header('x-forwarded-for'), req.clientAddress));
  // The scheme the client used to reach us, which the listener knows (RFC 7239's proto).
  headers.push('X-Forwarded-Proto', req.listener.scheme);
  if (host) headers.push('X-Forwarded-Host', host);
  headers.push('X-Forwarded-Port', String(req.localPort));
  headers.push('Via', appended(req.header('via'), `1.1 ${options.via}`));
  return headers;
}

/** The response headers sent to the client. */
export function clientResponseHeaders(rawHeaders: readonly string[], backend: string | undefined): string[] {
  const headers = stripHopByHop(rawHeaders, viaOnly);
  let prior: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 3 && rawHeaders[i]!.toLowerCase() === 'via') prior = appended(prior, rawHeaders[i + 1]!);
  }
  headers.push('Via', appended(prior, responseVia));
  if (backend) headers.push('X-Switchyard-Backend', backend);
  return headers;
}

const viaOnly = new Set(['via', 'x-switchyard-backend']);
