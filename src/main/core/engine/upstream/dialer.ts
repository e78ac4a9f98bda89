import net from 'node:net';
import tls from 'node:tls';

// The one place that opens connections to backends: proxied requests,
// upgrades and health checks all dial through here, so TLS settings (SNI,
// ALPN, verification) and the connect timeout are written once, and a
// decorator (fault injection) sees every connection.

export interface UpstreamOrigin {
  /** tcp: a TCP route's backend, dialed like http: (plain TCP); udp: a UDP route's, never dialed (its sessions and checks use dgram sockets). */
  protocol: 'http:' | 'https:' | 'tcp:' | 'udp:';
  /** Without brackets for IPv6. */
  hostname: string;
  port: number;
}

// tcp:// URLs always name their port (model.ts), so only these two need a default.
const defaultPorts: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** A backend URL's origin; the URL was validated on the way in (model.ts), so it parses. */
export function originOf(url: string): UpstreamOrigin {
  const parsed = new URL(url);
  const protocol = parsed.protocol as UpstreamOrigin['protocol'];
  return {
    protocol,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? defaultPorts[protocol]! : Number(parsed.port),
  };
}

export interface DialOptions {
  /** The socket's inactivity timeout until it is connected: 'timeout' before `ready` is a connect timeout. */
  connectTimeoutMs: number;
  /** For https: refuse a certificate this machine does not trust. */
  verifyTls: boolean;
  /** For https: the protocols to offer (ALPN). */
  alpn?: string[];
  /** For plain TCP: read into memory the caller reuses (net.connect's onread). */
  onread?: net.OnReadOpts;
  /** Keep the write side open after the backend ends its own (a TCP route relays each direction's end separately). */
  allowHalfOpen?: boolean;
}

export interface Dialed {
  socket: net.Socket;
  /** The event after which bytes may be written: 'connect', or 'secureConnect' once TLS is up. */
  ready: 'connect' | 'secureConnect';
  /** Reads go to `onread` (plain TCP); otherwise they come as 'data' events. */
  readsInPlace: boolean;
}

export type Dialer = (origin: UpstreamOrigin, options: DialOptions) => Dialed;

export const dial: Dialer = (origin, options) => {
  const base = { host: origin.hostname, port: origin.port, noDelay: true, allowHalfOpen: options.allowHalfOpen ?? false };
  let socket: net.Socket;
  const tlsUp = origin.protocol === 'https:';
  if (tlsUp) {
    socket = tls.connect({
      ...base,
      // SNI carries names only (RFC 6066 §3): never an IP literal.
      servername: net.isIP(origin.hostname) ? undefined : origin.hostname,
      ALPNProtocols: options.alpn ?? ['http/1.1'],
      rejectUnauthorized: options.verifyTls,
    });
  } else socket = options.onread ? net.connect({ ...base, onread: options.onread }) : net.connect(base);
  socket.setTimeout(options.connectTimeoutMs);
  return { socket, ready: tlsUp ? 'secureConnect' : 'connect', readsInPlace: !tlsUp && options.onread !== undefined };
};
