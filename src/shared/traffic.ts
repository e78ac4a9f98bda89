// The traffic record: one entry per proxied exchange, kept in a bounded ring
// in the engine and shown in the Traffic view, `switchyard logs` and the
// access log. Vocabulary follows Envoy's access log: response flags say in
// two or three letters what went wrong, on which side.

import type { RouteKind } from './route-kind';

/**
 * Envoy's response flags (envoy/stream_info/stream_info.h), those this
 * proxy can set, plus LD for a loop it detected (Envoy has none).
 */
export const responseFlags = {
  /** No route for the host and path (404). */
  NR: 'no route for this host and path',
  /** No backend available: none configured, switched on or healthy (503). */
  UH: 'no healthy backend',
  /** Connecting to the backend failed: refused, unreachable, timed out, TLS refused. */
  UF: 'backend connection failed',
  /** The backend closed or reset the connection. */
  UC: 'backend connection closed',
  /** The backend sent no response head in time, or its body stalled. */
  UT: 'backend timed out',
  /** The backend's response was not valid HTTP. */
  UPE: 'backend protocol error',
  /** Attempts ran out: every retry failed too. */
  URX: 'retries exhausted',
  /** The route's rate limit refused it (429). */
  RL: 'rate limited',
  /** The request came back through this Switchyard (508). */
  LD: 'loop detected',
  /** The client went away before the response was complete. */
  DC: 'client disconnected',
} as const;

export type ResponseFlag = keyof typeof responseFlags;

/** hit: answered from the cache; miss: fetched (and maybe stored); stale: revalidated, or a stale copy stood in; bypass: a method the cache lets pass. */
export type CacheOutcome = 'hit' | 'miss' | 'stale' | 'bypass';

/**
 * How a TCP connection (or a UDP session) through an L4 route ended, in
 * the words the Traffic view, `switchyard logs` and the access log use.
 * The first thing that ended it wins: a client that closed its side first
 * is "client closed" even though the backend closed after it.
 */
export const connectionEnds = {
  'client-closed': 'client closed',
  'backend-closed': 'backend closed',
  'client-reset': 'client reset',
  'backend-reset': 'backend reset',
  'idle-timeout': 'idle timeout',
  /** The route was removed or Switchyard stopped, and the connection outlived the grace period. */
  cut: 'cut at shutdown',
  'max-connections': 'over max connections',
  'no-backend': 'no backend',
  'connect-failed': 'connect failed',
  /** TLS passthrough: no route on the port takes the name the ClientHello asked for (or it names none, or is not TLS). */
  'no-route': 'no route',
  /** UDP: the backend sent udpResponses replies for every datagram. */
  'replies-received': 'replies received',
  /** UDP: its backend was switched off or removed. */
  'backend-off': 'backend switched off',
} as const;

export type ConnectionEnd = keyof typeof connectionEnds;

/** Each end in a sentence, for the trace pane and tooltips. */
export const connectionEndSentences: Record<ConnectionEnd, string> = {
  'client-closed': 'The client closed its side first; the backend finished sending and closed too.',
  'backend-closed': 'The backend closed its side first; the client finished and closed too.',
  'client-reset': 'The client reset the connection (RST); the backend was reset too.',
  'backend-reset': 'The backend reset the connection (RST); the client was reset too.',
  'idle-timeout': 'Nothing moved either way for the route\'s idle timeout (idleTimeoutMs), so both sides were closed.',
  cut: 'The route was removed or Switchyard stopped, and the connection was still open when the grace period ran out.',
  'max-connections': 'The route already had maxConnections connections open, so this one was closed as soon as it was accepted.',
  'no-backend': 'No backend was switched on and healthy, so the connection was closed at once.',
  'connect-failed': 'Every backend tried refused or timed out, so the client\'s connection was closed.',
  'no-route':
    'No route on this port takes the server name the client\'s TLS hello asked for (or the hello named none, or was not TLS), and there is no * route to take the rest, so the connection was closed at once.',
  'replies-received': 'The backend sent the replies expected for every datagram (udpResponses, nginx\'s proxy_responses), so the session ended.',
  'backend-off': 'Its backend was switched off or removed, so the session ended; the client\'s next datagram starts one on another backend.',
};

/** What went wrong with an attempt: how, and how far the exchange had got. */
export type FailureKind = 'refused' | 'reset' | 'timeout' | 'tls' | 'protocol' | 'unreachable';
export type FailurePhase = 'connect' | 'head' | 'body';

export interface UpstreamFailureInfo {
  kind: FailureKind;
  phase: FailurePhase;
  flag: ResponseFlag;
  /** The sentence the 502 page and passive health show: "nothing is listening there (connection refused)…". */
  message: string;
}

/** One try of one backend within an exchange. */
export interface TrafficAttempt {
  backendId: number;
  url: string;
  /** Why this backend: "round-robin: next in turn", "retry 1 after 127.0.0.1:3001 failed (UF)". */
  why: string;
  /** Milliseconds from the exchange's start to this attempt's start. */
  startMs: number;
  /** Milliseconds to its response head, or to its failure. */
  durationMs: number;
  /** The backend's status, when it answered. */
  status: number | null;
  failure: UpstreamFailureInfo | null;
}

export interface TrafficRecord {
  /** Increases by one per record for the engine's life: lets a client ask for what came after. */
  id: number;
  /** Epoch milliseconds when the request head was complete. */
  at: number;
  routeId: number | null;
  /** Host and path prefix of the route, or null when none matched. */
  route: string | null;
  client: string;
  method: string;
  host: string;
  /** The path, its query replaced by `?…` (query values may hold tokens). */
  path: string;
  protocol: string;
  /** The TLS version the client connected with (`TLSv1.3`), or null for plain HTTP. */
  tls: string | null;
  /** The Upgrade asked for ("websocket"), or null. */
  upgrade: string | null;
  /** What the client got; 0 when it got no response head (it left first). */
  status: number;
  /** Envoy-style response flags, empty when all went well. */
  flags: ResponseFlag[];
  /** The final backend, or null when none was tried. */
  backendId: number | null;
  backend: string | null;
  attempts: TrafficAttempt[];
  /** Milliseconds from the request to the response head sent to the client. */
  ttfbMs: number | null;
  /** Milliseconds from the request to the response's end (for upgrades: to the switch). */
  totalMs: number;
  /** Request body bytes sent to backends. */
  bytesIn: number;
  /** Response body bytes received from the backend. */
  bytesOut: number;
  /** How long an upgraded (WebSocket) connection stayed open, in ms; null for other requests. */
  upgradeMs: number | null;
  /** What the route's cache did (null when it has none): answered, fetched, revalidated or stood in stale, or let pass. */
  cache: CacheOutcome | null;
  /** The Cache-Status sent (RFC 9211), which says why in words: `Switchyard; fwd=uri-miss; detail="not stored: ..."`. */
  cacheStatus: string | null;
  /**
   * http for a request; an L4 route's kind (tcp, ...) for a connection, whose
   * record has no method, path or status (0): `host` is the route's listen
   * URL, `ttfbMs` the time to the backend's connect, `totalMs` how long it
   * was open, `bytesIn`/`bytesOut` what went client→backend and back, and
   * `end` how it ended.
   */
  kind: RouteKind;
  /** How a connection ended; null for HTTP requests. */
  end: ConnectionEnd | null;
}

/** A record with its headers (flat [name, value, ...]; credentials redacted), for the trace view. */
export interface TrafficTrace extends TrafficRecord {
  requestHeaders: string[];
  responseHeaders: string[];
}

/**
 * A batch of new records pushed to subscribers. At high rates the batch is
 * a sample: `skipped` says how many were left out (all are in the ring, and
 * `traffic.list` returns them).
 */
export interface TrafficBatch {
  records: TrafficRecord[];
  skipped: number;
}

/** Header values never shown or logged (Caddy's access log redacts the same). */
export const redactedHeaders: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
