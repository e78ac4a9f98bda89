import type { IncomingMessage } from 'node:http';
import { stripHopByHop } from './hop-headers';

// Set by the proxy after stripping, so a client cannot remove them by naming
// them in Connection, nor spoof Proto/Host. X-Forwarded-For is appended to,
// like nginx's $proxy_add_x_forwarded_for.
const proxySet = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The request headers sent upstream, as a flat raw-header list. */
export function upstreamRequestHeaders(req: IncomingMessage, proto: 'http' | 'https'): string[] {
  const headers = stripHopByHop(req.rawHeaders, proxySet);
  const prior = req.headers['x-forwarded-for'];
  const client = clientAddress(req);
  headers.push('X-Forwarded-For', prior ? `${prior}, ${client}` : client);
  headers.push('X-Forwarded-Proto', proto);
  if (req.headers.host) headers.push('X-Forwarded-Host', req.headers.host);
  // The body's framing is hop-by-hop, but a chunked body without a length
  // must stay chunked or Node would send it unframed (e.g. on GET).
  if (req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] === undefined) {
    headers.push('Transfer-Encoding', 'chunked');
  }
  return headers;
}

/** The response headers sent to the client. */
export function clientResponseHeaders(rawHeaders: readonly string[]): string[] {
  return stripHopByHop(rawHeaders);
}
