import http2, { constants, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { STATUS_CODES } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ConnectionPeer } from '../../listeners/client-address';
import type { ConnectionOptions } from '../http1/client-connection';
import { lingeringTimeoutMs } from '../http1/client-connection';
import { hasToken } from '../http1/head-parser';
import type { ListenerInfo, RequestMessage, ResponseMessage } from '../message';
import { translateRequestHeaders, type H2HeadError } from './h2-headers';
import { H2Request } from './h2-request';
import { H2Response } from './h2-response';

// HTTP/2 for the HTTPS listener: TLS sockets that chose h2 by ALPN are
// served by node:http2's core (stream) API and turned into the same
// protocol-neutral messages the HTTP/1 server makes, so the Exchange proxies
// them to HTTP/1.1 backends with retries, health, limits and the record.

/** nginx's http2_max_concurrent_streams is 128, Caddy's 250; 100 is RFC 9113 §6.5.2's recommended floor. */
export const maxConcurrentStreams = 100;
/**
 * CVE-2023-44487 (rapid reset): streams the client cancels before their
 * response finished, beyond the ones it let finish. A browser leaving a page
 * cancels at most what it has open; a flood of HEADERS + RST_STREAM never
 * lets one finish. Over budget the session ends with GOAWAY
 * ENHANCE_YOUR_CALM, as nginx (1.25.3) and Go's server (the fix in x/net
 * 0.17) end such connections.
 */
export const earlyResetBudget = 2 * maxConcurrentStreams;
/** Deadlines are enforced within this much of their time, or faster for shorter timeouts (as the HTTP/1 server does). */
const maxSweepMs = 1_000;

const CONTINUE = 100;
const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INTERNAL_ERROR, NGHTTP2_PROTOCOL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } = constants;

type RequestHandler = (req: RequestMessage, res: ResponseMessage) => void;

/** For 'error' events whose cause the 'close' that follows handles. */
const ignore = (): void => {};

/** A malformed request is a stream error (RFC 9113 §8.1.1); one the proxy will not take (CONNECT, a bad :authority) gets its status and why. */
function refuse(stream: ServerHttp2Stream, error: H2HeadError): void {
  if (error.reset) {
    stream.close(NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  const body = `${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\n${error.message}\n`;
  stream.respond({ ':status': error.status, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  stream.end(body);
}

/** What the front keeps per connection: its open streams and when it may be closed for idling. */
interface Session {
  readonly session: ServerHttp2Session;
  readonly socket: TLSSocket;
  readonly peer: ConnectionPeer;
  open: number;
  /** Streams that finished, and streams the client reset before their response finished (rapid reset). */
  completed: number;
  earlyResets: number;
  /** When an idle session is closed (GOAWAY); infinite while streams are open. */
  deadline: number;
  /** GOAWAY was sent: the session closes when its streams end, or is cut at the deadline. */
  closing: boolean;
}

export class Http2Front {
  private readonly sessions = new Set<Session>();
  /** Streams whose HEADERS arrived this turn, handed to the proxy on the next (see dispatch). */
  private readonly arrived: { entry: Session; stream: ServerHttp2Stream; flags: number; rawHeaders: string[] }[] = [];
  /** Requests whose body may still arrive, for the sweep's body idle deadline; each leaves when its stream closes. */
  private readonly reading = new Set<H2Request>();
  private sweep: NodeJS.Timeout | undefined;
  private stopping = false;

  /** `options` is shared and read at each new session and deadline, so `limitsChanged` applies without a restart. */
  constructor(
    private readonly options: ConnectionOptions,
    private readonly onRequest: RequestHandler,
    private readonly listener: ListenerInfo,
  ) {}

  /** Serves a TLS socket whose ALPN chose h2. */
  accept(socket: TLSSocket): void {
    const session = http2.performServerHandshake(socket, {
      settings: {
        maxConcurrentStreams,
        // The same limit as an HTTP/1 head. node:http2 enforces it only once
        // the client acknowledged it; translateRequestHeaders does before that.
        maxHeaderListSize: this.options.maxHeaderBytes,
        enablePush: false,
      },
    });
    const entry: Session = {
      session,
      socket,
      peer: new ConnectionPeer(socket, true),
      open: 0,
      completed: 0,
      earlyResets: 0,
      // A new connection must send its first request as soon as an HTTP/1 client its head.
      deadline: Date.now() + this.options.headerTimeoutMs,
      closing: false,
    };
    this.sessions.add(entry);
    if (this.sweep === undefined) this.startSweep();
    session.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) =>
      this.onStream(entry, stream, flags, rawHeaders),
    );
    // Errors end the session; 'close' follows and does the clean-up.
    session.on('error', ignore);
    session.on('close', () => {
      this.sessions.delete(entry);
      if (this.sessions.size === 0) this.stopSweep();
    });
    // Its handshake finished as the listener began to stop: GOAWAY with no
    // stream taken tells the client it may retry elsewhere, which a cut
    // connection leaves it to guess.
    if (this.stopping) this.goAway(entry);
  }

  private onStream(entry: Session, stream: ServerHttp2Stream, flags: number, rawHeaders: string[]): void {
    // The stream's own errors (a reset) end it; 'close' tells its response.
    stream.on('error', ignore);
    entry.open += 1;
    entry.deadline = Number.POSITIVE_INFINITY;
    stream.once('close', () => this.streamClosed(entry, stream));
    this.arrived.push({ entry, stream, flags, rawHeaders });
    if (this.arrived.length === 1) setImmediate(this.dispatch);
  }

  /**
   * Streams go to the proxy one turn of the event loop after their HEADERS:
   * node:http2 applies a RST_STREAM that came in the same read only after
   * emitting the stream, so a rapid-reset flood would otherwise start (and
   * abort) a backend request for every stream. By now those are closed.
   */
  private readonly dispatch = (): void => {
    for (const { entry, stream, flags, rawHeaders } of this.arrived.splice(0)) {
      if (stream.closed || stream.destroyed) continue;
      const head = translateRequestHeaders(rawHeaders, this.options.maxHeaderBytes);
      if ('error' in head) {
        refuse(stream, head.error);
        continue;
      }
      const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
      // As the HTTP/1 server does: the client may send its body now (curl waits a second for this over h2 too).
      if (!endStream && hasToken(head.headers.expect, '100-continue')) stream.additionalHeaders({ ':status': CONTINUE });
      // A body that stops arriving while the proxy reads it is cut after the
      // listener's head timeout (nginx's client_body_timeout, which defaults
      // to its client_header_timeout): the client's slowness, per listener,
      // known before any route, and the pace the sweep already keeps. The
      // route's idle timeout times the backend's silence, and already runs on
      // the upstream connection, which every body byte sent moves on.
      const req = new H2Request(stream, head, rawHeaders, endStream, entry.peer, this.listener, this.options.headerTimeoutMs);
      if (!endStream) {
        this.reading.add(req);
        stream.once('close', () => this.reading.delete(req));
      }
      this.onRequest(req, new H2Response(stream, head.method, endStream ? undefined : req));
    }
  };

  private streamClosed(entry: Session, stream: ServerHttp2Stream): void {
    entry.open -= 1;
    const cancelled = stream.rstCode !== NGHTTP2_NO_ERROR && !stream.sentHeaders;
    if (cancelled) this.countReset(entry);
    else entry.completed += 1;
    if (entry.open === 0 && !entry.closing) entry.deadline = Date.now() + this.options.keepAliveTimeoutMs;
  }

  private countReset(entry: Session): void {
    entry.earlyResets += 1;
    if (entry.earlyResets > entry.completed + earlyResetBudget && !entry.session.destroyed) {
      entry.session.destroy(new Error('The client reset too many streams early (rapid reset).'), NGHTTP2_ENHANCE_YOUR_CALM);
    }
  }

  /** New limits: new sessions take them from the shared options; open ones are told the new header list size. */
  limitsChanged(): void {
    for (const { session } of this.sessions) {
      if (session.destroyed || session.closed) continue;
      try {
        session.settings({ maxHeaderListSize: this.options.maxHeaderBytes });
      } catch {
        // A client that left earlier SETTINGS unacknowledged (node:http2 allows 10) keeps the old advertised
        // size; translateRequestHeaders applies the new one to its requests anyway.
      }
    }
    if (this.sweep !== undefined) {
      this.stopSweep();
      this.startSweep();
    }
  }

  private startSweep(): void {
    const interval = Math.min(maxSweepMs, this.options.headerTimeoutMs, this.options.keepAliveTimeoutMs);
    this.sweep = setInterval(() => this.checkDeadlines(Date.now()), interval);
    this.sweep.unref();
  }

  private stopSweep(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
  }

  private checkDeadlines(now: number): void {
    for (const req of this.reading) if (now >= req.bodyDeadline) req.bodyStalled();
    for (const entry of this.sessions) {
      // A closing session's streams in flight have until the listener's grace ends (closeAllConnections).
      if (now < entry.deadline || (entry.closing && entry.open > 0)) continue;
      if (entry.closing) entry.session.destroy();
      else this.goAway(entry);
    }
  }

  /** GOAWAY (NO_ERROR): streams in flight finish, new ones are refused; a peer that then never closes is cut after the lingering timeout. */
  private goAway(entry: Session): void {
    if (entry.closing || entry.session.destroyed) return;
    entry.closing = true;
    entry.deadline = Date.now() + (this.options.lingeringTimeoutMs ?? lingeringTimeoutMs);
    entry.session.close();
  }

  /**
   * Graceful stop (the listener is closing): every session gets GOAWAY now,
   * so streams in flight finish and no new ones start; idle sessions close at once.
   */
  closeIdleConnections(): void {
    this.stopping = true;
    for (const entry of this.sessions) this.goAway(entry);
  }

  /** Cuts every session: streams still open are reset (INTERNAL_ERROR), so no client takes a cut response for a whole one. */
  closeAllConnections(): void {
    this.stopping = true;
    for (const entry of this.sessions) entry.session.destroy(new Error('Switchyard is stopping.'), NGHTTP2_INTERNAL_ERROR);
  }
}
