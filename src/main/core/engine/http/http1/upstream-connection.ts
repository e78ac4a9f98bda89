import type net from 'node:net';
import { ChunkedDecoder, chunkHeader, lastChunk, responseFraming } from './body-framing';
import { parseResponseHead, type ResponseHead } from './head-parser';
import { idleTimeout, keepsConnection } from './keep-alive';
import { loopNow } from './loop-clock';
import type { RequestMessage } from '../message';
import type { Dialer, UpstreamOrigin } from '../../upstream/dialer';
import { clientAborted, socketFailure, upstreamFailure, type UpstreamFailure } from '../../upstream/failures';
import type { DeadlineSweep, Watched } from '../../upstream/deadline-sweep';

/** Receives one exchange's response. After onComplete or onError nothing more is called. */
export interface UpstreamHandler {
  onHeaders(head: ResponseHead): void;
  /** Returning false pauses the backend until the call's `resume()`. */
  onData(chunk: Buffer): boolean;
  /**
   * Whether chunks given to onData may still be referenced (queued for a
   * write) once onData returned. If not, the connection reads the next bytes
   * into the same memory.
   */
  holdsChunks(): boolean;
  onComplete(): void;
  onError(failure: UpstreamFailure): void;
  /**
   * The backend switched protocols (101) for a request that asked to: from
   * now on the connection carries opaque bytes both ways. The caller writes
   * to `socket` and returns where the backend's bytes go.
   */
  onUpgrade(head: ResponseHead, socket: net.Socket): UpstreamTunnel;
}

/** The backend's side of an upgraded connection, read with the same reused memory and backpressure as bodies. */
export interface UpstreamTunnel {
  /** Returning false pauses the backend until its socket is resumed (the caller holds it). */
  onData(chunk: Buffer): boolean;
  holdsChunks(): boolean;
  /** The backend ended, reset or closed: exactly once. */
  onClose(): void;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  /** Flat [name, value, ...]; body framing headers are added here. */
  headers: readonly string[];
  /** The client request whose body (if any) is streamed up. */
  body: RequestMessage | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** The request asks to switch protocols (WebSocket): a 101 hands the socket over. */
  upgrade: boolean;
}

export interface UpstreamOptions {
  connectTimeoutMs: number;
  /** Refuse an https backend whose certificate this machine does not trust. */
  verifyTls: boolean;
}

/** A response head may carry large cookies and policies; undici and Node allow 16 KiB, nginx 4–8 KiB per line. */
const maxResponseHead = 64 * 1024;

const readBufferSize = 64 * 1024;
/** TCP keep-alive probes on an idle upgraded connection start after this long (as before the upgrade code was merged). */
const tunnelKeepAliveMs = 30_000;


const enum Phase {
  Connecting,
  Idle,
  Head,
  Body,
  /** Switched protocols: bytes go to the tunnel unparsed. */
  Upgraded,
  Closed,
}

/** The pool a connection returns to when idle and leaves when closed. */
export interface ConnectionOwner {
  release(connection: UpstreamConnection): void;
  forget(connection: UpstreamConnection): void;
  /** Where its deadlines are checked. */
  readonly sweep: DeadlineSweep;
}

/** The handle an exchange keeps: abort it when the client leaves, resume it after backpressure. */
export class UpstreamCall {
  /** Request body bytes written to the backend, for its traffic counters. */
  bodyBytes = 0;

  constructor(
    readonly connection: UpstreamConnection,
    readonly request: UpstreamRequest,
    readonly handler: UpstreamHandler,
  ) {}

  abort(): void {
    if (this.connection.call === this) this.connection.abort();
  }

  resume(): void {
    if (this.connection.call === this) this.connection.resume();
  }
}

/**
 * One keep-alive connection to a backend, carrying one exchange at a time:
 * writes the request head, streams the client's body once connected (so a
 * refused connection leaves it unread and retryable), parses the response
 * and hands its body over with backpressure. Connecting is timed by the
 * dialer; after that each phase has a deadline (inactivity: every byte read
 * or written moves it on) that the pools' sweep checks.
 */
export class UpstreamConnection implements Watched {
  readonly socket: net.Socket;
  call: UpstreamCall | undefined;
  private phase = Phase.Connecting;
  private buffer: Buffer | undefined;
  private remaining = 0;
  private decoder: ChunkedDecoder | undefined;
  private untilClose = false;
  private reusable = false;
  private requestSent = false;
  /** The socket's error, kept until 'close' says how far the exchange had got. */
  private socketError: NodeJS.ErrnoException | undefined;
  /** How long it may idle in the pool: ours, or less if the backend said so. */
  private idleMs: number;
  private readBuffer: Buffer | undefined;
  private readBufferHeld = false;
  /** The handler that last received body bytes from the current read. */
  private lastReader: { holdsChunks(): boolean } | undefined;
  private tunnel: UpstreamTunnel | undefined;
  deadline = Number.POSITIVE_INFINITY;
  /** The current phase's inactivity timeout; 0 for none. */
  private timeoutMs = 0;

  constructor(
    origin: UpstreamOrigin,
    private readonly options: UpstreamOptions,
    private readonly owner: ConnectionOwner,
    private readonly keepAliveMs: number,
    dial: Dialer,
  ) {
    this.idleMs = keepAliveMs;
    // Reads land in memory this connection reuses (see nextReadBuffer)
    // rather than a new 64 KiB buffer per read that waits for the GC: at
    // 1 MB bodies that garbage was a third of the process's memory.
    const dialed = dial(origin, { ...options, onread: { buffer: this.nextReadBuffer, callback: this.onRead } });
    this.socket = dialed.socket;
    if (!dialed.readsInPlace) this.socket.on('data', this.onData);
    this.socket.once(dialed.ready, this.onConnect);
    this.socket.on('drain', this.onDrain);
    this.socket.on('timeout', this.onTimeout);
    this.socket.on('end', this.onEnd);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
    owner.sweep.add(this);
  }

  /** Times the current phase: no activity for `ms` fails it (0: no deadline). */
  private arm(ms: number): void {
    this.timeoutMs = ms;
    this.deadline = ms > 0 ? loopNow() + ms : Number.POSITIVE_INFINITY;
    if (ms > 0) this.owner.sweep.needs(ms);
  }

  /** Activity: the phase's inactivity deadline moves on. */
  private touch(): void {
    if (this.timeoutMs > 0) this.deadline = loopNow() + this.timeoutMs;
  }

  timedOut(): void {
    this.onTimeout();
  }

  get open(): boolean {
    return this.phase === Phase.Idle && !this.socket.destroyed;
  }

  start(call: UpstreamCall): void {
    this.call = call;
    this.buffer = undefined;
    this.requestSent = false;
    this.untilClose = false;
    this.decoder = undefined;
    if (this.phase === Phase.Idle) this.send();
  }

  abort(): void {
    this.call = undefined;
    this.socket.destroy();
  }

  private readonly onConnect = (): void => {
    // The dialer's connect timer is done; the phases' deadlines take over.
    this.socket.setTimeout(0);
    if (this.call) this.send();
  };

  private send(): void {
    const { request } = this.call!;
    const body = request.body;
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    const headers = request.headers;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    const length = body?.bodyLength;
    const chunked = body !== undefined && length === undefined;
    if (length !== undefined) head += `Content-Length: ${length}\r\n`;
    else if (chunked) head += 'Transfer-Encoding: chunked\r\n';
    this.phase = Phase.Head;
    this.arm(request.headersTimeoutMs);
    this.socket.write(`${head}\r\n`, 'latin1');
    if (!body || length === 0) {
      this.requestSent = true;
      return;
    }
    const call = this.call!;
    body.pipeBody({
      onData: (chunk) => {
        if (this.call !== call) return true;
        call.bodyBytes += chunk.length;
        this.touch();
        if (!chunked) return this.socket.write(chunk);
        this.socket.cork();
        this.socket.write(chunkHeader(chunk.length), 'latin1');
        this.socket.write(chunk);
        const ok = this.socket.write('\r\n', 'latin1');
        this.socket.uncork();
        return ok;
      },
      onEnd: () => {
        if (this.call !== call) return;
        if (chunked) this.socket.write(lastChunk, 'latin1');
        this.requestSent = true;
      },
      onError: () => {
        if (this.call === call) this.fail(clientAborted());
      },
    });
  }

  private readonly onDrain = (): void => {
    if (this.call && !this.requestSent) this.call.request.body?.resumeBody();
  };

  private readonly onRead = (length: number, buffer: Buffer): boolean => {
    this.onData(buffer.subarray(0, length));
    this.readBufferHeld = this.lastReader?.holdsChunks() ?? false;
    this.lastReader = undefined;
    return !this.socket.isPaused();
  };

  private readonly nextReadBuffer = (): Buffer => {
    if (this.readBuffer === undefined || this.readBufferHeld) this.readBuffer = Buffer.allocUnsafe(readBufferSize);
    this.readBufferHeld = false;
    return this.readBuffer;
  };

  private readonly onData = (chunk: Buffer): void => {
    this.touch();
    if (this.tunnel) {
      this.lastReader = this.tunnel;
      if (!this.tunnel.onData(chunk)) this.socket.pause();
      return;
    }
    if (!this.call) {
      // Bytes on an idle connection: the backend is out of step; never reuse it.
      this.socket.destroy();
      return;
    }
    if (this.phase === Phase.Head) this.onHeadBytes(chunk);
    else if (this.phase === Phase.Body) this.onBodyBytes(chunk, 0);
  };

  private onHeadBytes(chunk: Buffer): void {
    let buffer = this.buffer === undefined ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parseResponseHead(buffer, maxResponseHead);
      if (parsed === undefined) {
        // A copy: the chunk's memory is read into again.
        this.buffer = Buffer.from(buffer);
        return;
      }
      if ('error' in parsed) return this.fail(upstreamFailure('protocol', 'head', `it sent a malformed response (${parsed.error.message}).`));
      const { head, size } = parsed;
      buffer = buffer.subarray(size);
      // 1xx interim answers (100 Continue, 103 Early Hints) are dropped; the final one follows.
      if (head.status >= 100 && head.status < 200 && head.status !== 101) continue;
      if (head.status === 101) {
        if (!this.call!.request.upgrade) return this.fail(upstreamFailure('protocol', 'head', 'it switched protocols without being asked.'));
        return this.handOver(head, buffer);
      }
      this.buffer = undefined;
      return this.onHead(head, buffer);
    }
  }

  private onHead(head: ResponseHead, rest: Buffer): void {
    const call = this.call!;
    const framing = responseFraming(call.request.method, head.status, head);
    if ('error' in framing) return this.fail(upstreamFailure('protocol', 'head', `${framing.error.message}.`));
    this.idleMs = idleTimeout(head.header('keep-alive'), this.keepAliveMs);
    this.reusable = keepsConnection(head) && this.idleMs > 0;
    this.phase = Phase.Body;
    this.arm(call.request.bodyTimeoutMs);
    if (framing.kind === 'length') this.remaining = framing.length;
    else if (framing.kind === 'chunked') this.decoder = new ChunkedDecoder();
    else if (framing.kind === 'close') {
      this.untilClose = true;
      this.reusable = false;
    }
    call.handler.onHeaders(head);
    if (this.call !== call) return;
    if (framing.kind === 'none') {
      if (rest.length) this.reusable = false;
      return this.complete();
    }
    if (rest.length) this.onBodyBytes(rest, 0);
  }

  private onBodyBytes(chunk: Buffer, start: number): void {
    const call = this.call!;
    this.lastReader = call.handler;
    let ok = true;
    if (this.untilClose) ok = call.handler.onData(chunk);
    else if (this.decoder) {
      let used: number;
      try {
        used = this.decoder.feed(chunk, start, (data) => {
          ok = call.handler.onData(data) && ok;
        });
      } catch (error) {
        return this.fail(upstreamFailure('protocol', 'body', `it sent a malformed chunked body (${(error as Error).message}).`));
      }
      if (this.call !== call) return;
      if (this.decoder.done) {
        if (used < chunk.length) this.reusable = false;
        return this.complete();
      }
    } else {
      const take = Math.min(this.remaining, chunk.length - start);
      ok = call.handler.onData(take === chunk.length ? chunk : chunk.subarray(start, start + take));
      if (this.call !== call) return;
      this.remaining -= take;
      if (this.remaining === 0) {
        if (start + take < chunk.length) this.reusable = false;
        return this.complete();
      }
    }
    if (!ok && this.call === call) {
      // The client is the slow one: the idle timer waits until it catches up.
      this.socket.pause();
      this.arm(0);
    }
  }

  resume(): void {
    if (this.phase !== Phase.Body) return;
    this.arm(this.call!.request.bodyTimeoutMs);
    this.socket.resume();
  }

  private complete(): void {
    const call = this.call!;
    this.call = undefined;
    this.socket.resume();
    // A request body still being sent (the backend answered early) leaves
    // the connection out of step: it cannot carry another request.
    if (this.reusable && this.requestSent) this.becomeIdle();
    else this.socket.destroy();
    call.handler.onComplete();
  }

  private becomeIdle(): void {
    this.phase = Phase.Idle;
    this.arm(this.idleMs);
    this.owner.release(this);
  }

  /** The connection leaves HTTP/1 and its pool for good: from now on it is one side of a tunnel. */
  private handOver(head: ResponseHead, rest: Buffer): void {
    const call = this.call!;
    this.call = undefined;
    this.phase = Phase.Upgraded;
    this.buffer = undefined;
    // An upgraded connection (WebSocket) may idle for hours; TCP keep-alive finds a dead peer.
    this.arm(0);
    this.socket.setKeepAlive(true, tunnelKeepAliveMs);
    this.owner.forget(this);
    this.tunnel = call.handler.onUpgrade(head, this.socket);
    if (rest.length) this.onData(rest);
  }

  private closeTunnel(): void {
    const tunnel = this.tunnel;
    this.tunnel = undefined;
    this.phase = Phase.Closed;
    this.socket.destroy();
    tunnel?.onClose();
  }

  private fail(failure: UpstreamFailure): void {
    const call = this.call;
    this.call = undefined;
    this.phase = Phase.Closed;
    this.socket.destroy();
    call?.handler.onError(failure);
  }

  private readonly onError = (error: NodeJS.ErrnoException): void => {
    this.socketError ??= error;
  };

  private readonly onTimeout = (): void => {
    switch (this.phase) {
      case Phase.Connecting:
        return this.fail(upstreamFailure('timeout', 'connect', `it did not accept a connection within ${this.options.connectTimeoutMs} ms.`));
      case Phase.Head:
        return this.fail(upstreamFailure('timeout', 'head', `it sent no response headers within ${this.call!.request.headersTimeoutMs} ms.`));
      case Phase.Body:
        return this.fail(upstreamFailure('timeout', 'body', `its response body stalled for ${this.call!.request.bodyTimeoutMs} ms.`));
      case Phase.Idle:
      case Phase.Upgraded:
      case Phase.Closed:
        this.socket.destroy();
    }
  };

  private readonly onEnd = (): void => {
    if (this.phase === Phase.Upgraded) return this.closeTunnel();
    if (this.phase === Phase.Body && this.untilClose && this.call) {
      this.reusable = false;
      this.complete();
    }
  };

  private readonly onClose = (): void => {
    if (this.phase === Phase.Upgraded) return this.closeTunnel();
    const phase = this.phase;
    this.phase = Phase.Closed;
    this.owner.forget(this);
    if (!this.call) return;
    // Before any response byte a close means the same as a reset: it went away.
    const at = phase === Phase.Connecting ? 'connect' : phase === Phase.Body ? 'body' : 'head';
    this.fail(socketFailure(this.socketError ?? Object.assign(new Error('the connection closed'), { code: 'ECONNRESET' }), at));
  };
}
