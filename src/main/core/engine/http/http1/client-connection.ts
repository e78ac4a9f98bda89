import type { Socket } from 'node:net';
import { ChunkedDecoder, requestFraming, type Framing } from './body-framing';
import { hasToken, parseRequestHead } from './head-parser';
import { keepsConnection } from './keep-alive';
import { loopNow } from './loop-clock';
import type { ListenerInfo } from '../message';
import { ProxyRequest, type BodySource, type RequestBodySink } from './proxy-request';
import { ProxyResponse, type ResponseSink } from './proxy-response';
import { refuseConnection } from './refusal';
import { normaliseRequest } from './request-target';
import { ConnectionPeer } from '../../listeners/client-address';

export interface ConnectionOptions {
  /** Time to receive a complete request head (slowloris). */
  headerTimeoutMs: number;
  /** Time an idle keep-alive connection is kept waiting for its next request. */
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  /** Lingering close: silence after which a closing connection is cut (default `lingeringTimeoutMs`). */
  lingeringTimeoutMs?: number;
  /** Lingering close: the most a closing connection is kept reading (default `lingeringTimeMs`). */
  lingeringTimeMs?: number;
}

// nginx's lingering close (ngx_http_set_lingering_close): a connection closed
// after a response keeps reading, and discarding, what the client still
// sends, so the client can finish its request and see the response (closing
// with unread data would make the kernel send a reset), and is cut after
// `lingering_timeout` without data or `lingering_time` in all. Without it a
// client that keeps sending (an upload answered early) or never closes holds
// the proxy's descriptor forever.
/** nginx's lingering_timeout default. */
export const lingeringTimeoutMs = 5_000;
/** nginx's lingering_time default. */
export const lingeringTimeMs = 30_000;

export interface ConnectionHandlers {
  request(req: ProxyRequest, res: ProxyResponse): void;
  /** Called with the socket handed over: bytes after the head are in `head`. */
  upgrade(req: ProxyRequest, socket: Socket, head: Buffer): void;
  /** The connection is finished with (closed or handed over). */
  released(connection: ClientConnection): void;
  /** Whether the server is shutting down (no more keep-alive). */
  closing(): boolean;
  /** Which listener the connection came in on (X-Forwarded-Proto). */
  listener: ListenerInfo;
}

const enum Phase {
  /** Waiting for (the rest of) a request head. */
  Head,
  /** A request is in flight and its body is still arriving. */
  Body,
  /** A request is in flight; its body (if any) is complete. */
  Waiting,
  /** The last response is done and the write side closed: reading only to discard (lingering close). */
  Lingering,
  Closed,
}

const enum Deadline {
  None,
  Head,
  Idle,
  Linger,
}

const continueLine = 'HTTP/1.1 100 Continue\r\n\r\n';
const endOfHead = Buffer.from('\r\n\r\n');

/**
 * One client connection speaking HTTP/1.1: parses request heads, streams
 * each body to whoever asks for it, and runs requests one at a time
 * (pipelined requests wait their turn, as RFC 9112 §9.3.2 requires).
 * Timers are deadlines checked by the server's sweep, not a timer per
 * request (which node:http's server does the same way).
 */
export class ClientConnection implements ResponseSink, BodySource {
  private phase = Phase.Head;
  /** Bytes received and not yet handled (a partial head, a body nobody reads yet, pipelined requests). */
  private buffer: Buffer | undefined;
  private store: Buffer | undefined;
  private deadline: number;
  private deadlineKind = Deadline.Head;
  private res: ProxyResponse | undefined;
  private sink: RequestBodySink | undefined;
  private remaining = 0;
  private decoder: ChunkedDecoder | undefined;
  private wantsKeepAlive = true;
  private bodyPaused = false;
  /** When a lingering close ends whatever the client does. */
  private lingerEnd = 0;
  private readonly peer: ConnectionPeer;

  constructor(
    readonly socket: Socket,
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.deadline = loopNow() + options.headerTimeoutMs;
    this.peer = new ConnectionPeer(socket, handlers.listener.scheme === 'https');
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Called by the server's sweep: enforces the head and keep-alive deadlines. */
  checkDeadline(now: number): void {
    if (this.deadlineKind === Deadline.None || now < this.deadline) return;
    // A response still queued for a slow reader is not cut before lingering_time.
    if (this.deadlineKind === Deadline.Linger && this.socket.writableLength > 0 && now < this.lingerEnd) return;
    if (this.deadlineKind === Deadline.Head && this.buffer?.length) {
      this.refuse({ status: 408, message: 'The request head did not arrive in time.' });
    } else this.socket.destroy();
  }

  /** Between requests with nothing received: safe to close. */
  get idle(): boolean {
    return this.phase === Phase.Head && !this.buffer?.length;
  }

  keepAlive(): boolean {
    // A response that starts while the request body is still arriving (an
    // error page, a backend that answered early) may end with the body
    // unread, and then responseDone closes the connection: the head must say
    // so (RFC 9112 §9.6), or a keep-alive client sends its next request into
    // a closing connection and gets a reset.
    return this.wantsKeepAlive && this.phase !== Phase.Body && !this.handlers.closing();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.phase === Phase.Lingering) {
      this.deadline = Math.min(loopNow() + this.lingeringTimeout(), this.lingerEnd);
      return;
    }
    if (this.phase === Phase.Body && this.sink && this.buffer === undefined) {
      this.deliverBody(chunk, 0);
      return;
    }
    const before = this.buffer?.length ?? 0;
    this.append(chunk);
    if (this.phase === Phase.Head) {
      if (this.deadlineKind === Deadline.Idle) this.setDeadline(Deadline.Head, this.options.headerTimeoutMs);
      // Parse only once the blank line may have arrived: a head trickling in
      // byte by byte (slowloris) must not be re-scanned on every byte.
      const buffer = this.buffer!;
      if (before === 0 || buffer.length > this.options.maxHeaderBytes || buffer.indexOf(endOfHead, Math.max(0, before - 3)) >= 0) this.parseHead();
    } else if (this.buffer!.length > this.options.maxHeaderBytes) {
      // A client racing far ahead (pipelining, or a body nobody reads yet) waits.
      this.socket.pause();
    }
  };

  /** Appends unparsed bytes in amortised linear time (the store doubles). */
  private append(chunk: Buffer): void {
    const current = this.buffer;
    if (current === undefined || current.length === 0) {
      this.buffer = chunk;
      return;
    }
    const needed = current.length + chunk.length;
    let store = this.store;
    const inStore = store !== undefined && current.buffer === store.buffer && current.byteOffset === store.byteOffset;
    if (!inStore || store!.length < needed) {
      store = Buffer.allocUnsafe(Math.max(needed * 2, 4096));
      current.copy(store, 0);
      this.store = store;
    }
    chunk.copy(store!, current.length);
    this.buffer = store!.subarray(0, needed);
  }

  private readonly onDrain = (): void => {
    this.res?.drained();
  };

  private readonly onError = (): void => {
    // 'close' follows and does the clean-up.
  };

  private readonly onClose = (): void => {
    const { res, sink } = this;
    const bodyIncomplete = this.phase === Phase.Body;
    this.phase = Phase.Closed;
    this.deadlineKind = Deadline.None;
    this.handlers.released(this);
    if (bodyIncomplete && sink) sink.onError(new Error('The client closed the connection while sending its request body.'));
    if (res && !res.finished) res.closed();
  };

  private setDeadline(kind: Deadline, ms: number): void {
    this.deadlineKind = kind;
    this.deadline = loopNow() + ms;
  }

  private parseHead(): void {
    const buffer = this.buffer!;
    const parsed = parseRequestHead(buffer, this.options.maxHeaderBytes);
    if (parsed === undefined) return;
    if ('error' in parsed) return this.refuse(parsed.error);
    const { head, size } = parsed;
    this.buffer = size < buffer.length ? buffer.subarray(size) : undefined;
    // An idle keep-alive connection holds no memory for a head that has gone.
    if (this.buffer === undefined) this.store = undefined;
    this.deadlineKind = Deadline.None;
    if (head.method === 'CONNECT') {
      return this.refuse({ status: 405, message: 'Switchyard is a reverse proxy: CONNECT tunnels are not supported.' });
    }
    const normal = normaliseRequest(head);
    if ('error' in normal) return this.refuse(normal.error);
    const framing = requestFraming(head);
    if ('error' in framing) return this.refuse(framing.error);
    this.wantsKeepAlive = keepsConnection(head);
    const req = new ProxyRequest(head, normal.host, this.socket, framing, this, this.handlers.listener, this.peer);
    if (head.header('upgrade') !== undefined && hasToken(head.header('connection'), 'upgrade')) return this.handOver(req);
    this.startRequest(req, framing);
  }

  private startRequest(req: ProxyRequest, framing: Framing): void {
    this.sink = undefined;
    this.bodyPaused = false;
    if (framing.kind === 'length') this.remaining = framing.length;
    this.decoder = framing.kind === 'chunked' ? new ChunkedDecoder() : undefined;
    this.phase = framing.kind === 'none' ? Phase.Waiting : Phase.Body;
    if (this.phase === Phase.Body && hasToken(req.header('expect'), '100-continue')) this.socket.write(continueLine, 'latin1');
    this.res = new ProxyResponse(this, req.method, req.minor);
    this.handlers.request(req, this.res);
  }

  /** Upgrade (WebSocket, HMR): the socket leaves HTTP handling for good. */
  private handOver(req: ProxyRequest): void {
    const head = this.buffer ?? Buffer.alloc(0);
    this.buffer = undefined;
    this.phase = Phase.Closed;
    this.socket.off('data', this.onData);
    this.socket.off('drain', this.onDrain);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    // Nothing may be read until the new owner attaches its own reader.
    this.socket.pause();
    this.handlers.released(this);
    this.handlers.upgrade(req, this.socket, head);
  }

  attachBody(sink: RequestBodySink): void {
    this.sink = sink;
    const pending = this.buffer;
    this.buffer = undefined;
    if (pending) this.deliverBody(pending, 0);
    if (!this.bodyPaused) this.socket.resume();
  }

  resumeBody(): void {
    this.bodyPaused = false;
    if (this.phase === Phase.Body) this.socket.resume();
  }

  private deliverBody(chunk: Buffer, start: number): void {
    const sink = this.sink!;
    let used: number;
    let ok = true;
    if (this.decoder) {
      try {
        used = this.decoder.feed(chunk, start, (data) => {
          ok = sink.onData(data) && ok;
        });
      } catch (error) {
        this.phase = Phase.Waiting;
        sink.onError(new Error(`The client sent a malformed chunked body: ${(error as Error).message}.`));
        this.socket.destroy();
        return;
      }
      if (this.decoder.done) this.bodyDone();
    } else {
      const take = Math.min(this.remaining, chunk.length - start);
      ok = sink.onData(start === 0 && take === chunk.length ? chunk : chunk.subarray(start, start + take));
      used = start + take;
      this.remaining -= take;
      if (this.remaining === 0) this.bodyDone();
    }
    // Bytes after the body belong to the next (pipelined) request.
    if (used < chunk.length) this.buffer = chunk.subarray(used);
    if (!ok && this.phase === Phase.Body) {
      this.bodyPaused = true;
      this.socket.pause();
    }
  }

  private bodyDone(): void {
    this.phase = Phase.Waiting;
    this.sink!.onEnd();
  }

  responseDone(res: ProxyResponse): void {
    if (res !== this.res || this.phase === Phase.Closed) return;
    this.res = undefined;
    this.sink = undefined;
    // A body nobody read (an error page, an early answer) leaves the stream
    // out of step, so that connection cannot carry another request.
    if (!res.keepsAlive || this.phase === Phase.Body) return this.linger();
    this.phase = Phase.Head;
    this.socket.resume();
    if (this.buffer?.length) {
      this.setDeadline(Deadline.Head, this.options.headerTimeoutMs);
      // Next pipelined request, off this stack.
      process.nextTick(() => {
        if (this.phase === Phase.Head && this.buffer) this.parseHead();
      });
    } else this.setDeadline(Deadline.Idle, this.options.keepAliveTimeoutMs);
  }

  /** Answers a request the proxy cannot take, then closes (the stream cannot be trusted after). */
  private refuse(error: { status: number; message: string }): void {
    refuseConnection(this.socket, error.status, error.message);
    this.linger();
  }

  /** Closes the write side after the response and discards what the client still sends, until it closes or a deadline passes. */
  private linger(): void {
    if (this.socket.destroyed) return;
    this.phase = Phase.Lingering;
    this.buffer = undefined;
    this.store = undefined;
    this.socket.end();
    const now = loopNow();
    this.lingerEnd = now + (this.options.lingeringTimeMs ?? lingeringTimeMs);
    this.deadlineKind = Deadline.Linger;
    this.deadline = Math.min(now + this.lingeringTimeout(), this.lingerEnd);
    // Reading is what sees the client's close (then the socket is freed) or lets it finish an upload.
    this.socket.resume();
  }

  private lingeringTimeout(): number {
    return this.options.lingeringTimeoutMs ?? lingeringTimeoutMs;
  }
}
