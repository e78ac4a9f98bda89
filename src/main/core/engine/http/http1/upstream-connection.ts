import net from 'node:net';
import tls from 'node:tls';
import { ChunkedDecoder, chunkHeader, lastChunk, responseFraming } from './body-framing';
import { parseResponseHead, type ResponseHead } from './head-parser';
import { idleTimeout, keepsConnection } from './keep-alive';
import type { ProxyRequest } from './proxy-request';
import { upstreamError, UpstreamErrors } from '../../upstream/upstream-errors';

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
  onError(error: NodeJS.ErrnoException): void;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  /** Flat [name, value, ...]; body framing headers are added here. */
  headers: readonly string[];
  /** The client request whose body (if any) is streamed up. */
  body: ProxyRequest | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export interface UpstreamOptions {
  connectTimeoutMs: number;
  /** Refuse an https backend whose certificate this machine does not trust. */
  verifyTls: boolean;
}

export interface UpstreamOrigin {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

/** A response head may carry large cookies and policies; undici and Node allow 16 KiB, nginx 4–8 KiB per line. */
const maxResponseHead = 64 * 1024;

const readBufferSize = 64 * 1024;


const enum Phase {
  Connecting,
  Idle,
  Head,
  Body,
  Closed,
}

/** The pool a connection returns to when idle and leaves when closed. */
export interface ConnectionOwner {
  release(connection: UpstreamConnection): void;
  forget(connection: UpstreamConnection): void;
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
 * and hands its body over with backpressure. Timeouts use the socket's
 * inactivity timer with a per-phase length.
 */
export class UpstreamConnection {
  readonly socket: net.Socket;
  call: UpstreamCall | undefined;
  private phase = Phase.Connecting;
  private buffer: Buffer | undefined;
  private remaining = 0;
  private decoder: ChunkedDecoder | undefined;
  private untilClose = false;
  private reusable = false;
  private requestSent = false;
  private failure: NodeJS.ErrnoException | undefined;
  /** How long it may idle in the pool: ours, or less if the backend said so. */
  private idleMs: number;
  private readBuffer: Buffer | undefined;
  private readBufferHeld = false;
  /** The handler that last received body bytes from the current read. */
  private lastReader: UpstreamHandler | undefined;

  constructor(
    origin: UpstreamOrigin,
    { connectTimeoutMs, verifyTls }: UpstreamOptions,
    private readonly owner: ConnectionOwner,
    private readonly keepAliveMs: number,
  ) {
    this.idleMs = keepAliveMs;
    const options = { host: origin.hostname, port: origin.port, noDelay: true };
    if (origin.protocol === 'https:') {
      this.socket = tls.connect({
        ...options,
        servername: net.isIP(origin.hostname) ? undefined : origin.hostname,
        ALPNProtocols: ['http/1.1'],
        rejectUnauthorized: verifyTls,
      });
      this.socket.on('data', this.onData);
    } else {
      // Reads land in memory this connection reuses (see nextReadBuffer)
      // rather than a new 64 KiB buffer per read that waits for the GC:
      // at 1 MB bodies that garbage was a third of the process's memory.
      this.socket = net.connect({ ...options, onread: { buffer: this.nextReadBuffer, callback: this.onRead } });
    }
    this.socket.setTimeout(connectTimeoutMs);
    this.socket.once(origin.protocol === 'https:' ? 'secureConnect' : 'connect', this.onConnect);
    this.socket.on('drain', this.onDrain);
    this.socket.on('timeout', this.onTimeout);
    this.socket.on('end', this.onEnd);
    this.socket.on('error', (error: NodeJS.ErrnoException) => (this.failure ??= error));
    this.socket.on('close', this.onClose);
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
    if (this.call) this.send();
  };

  private send(): void {
    const { request } = this.call!;
    const body = request.body;
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    const headers = request.headers;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    const framing = body?.framing;
    if (framing?.kind === 'length') head += `Content-Length: ${framing.length}\r\n`;
    else if (framing?.kind === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
    this.phase = Phase.Head;
    this.socket.setTimeout(request.headersTimeoutMs);
    this.socket.write(`${head}\r\n`, 'latin1');
    if (!body || framing!.kind === 'none') {
      this.requestSent = true;
      return;
    }
    const chunked = framing!.kind === 'chunked';
    const call = this.call!;
    body.pipeBody({
      onData: (chunk) => {
        if (this.call !== call) return true;
        call.bodyBytes += chunk.length;
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
        if (this.call === call) this.fail(upstreamError(UpstreamErrors.closed, 'The client broke off its request body.'));
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
      if ('error' in parsed) return this.fail(upstreamError(UpstreamErrors.badResponse, `it sent a malformed response (${parsed.error.message})`));
      const { head, size } = parsed;
      buffer = buffer.subarray(size);
      // 1xx interim answers (100 Continue, 103 Early Hints) are dropped; the final one follows.
      if (head.status >= 100 && head.status < 200 && head.status !== 101) continue;
      if (head.status === 101) return this.fail(upstreamError(UpstreamErrors.badResponse, 'it switched protocols without being asked'));
      this.buffer = undefined;
      return this.onHead(head, buffer);
    }
  }

  private onHead(head: ResponseHead, rest: Buffer): void {
    const call = this.call!;
    const framing = responseFraming(call.request.method, head.status, head);
    if ('error' in framing) return this.fail(upstreamError(UpstreamErrors.badResponse, framing.error.message));
    this.idleMs = idleTimeout(head.headers['keep-alive'], this.keepAliveMs);
    this.reusable = keepsConnection(head) && this.idleMs > 0;
    this.phase = Phase.Body;
    this.socket.setTimeout(call.request.bodyTimeoutMs);
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
        return this.fail(upstreamError(UpstreamErrors.badResponse, `it sent a malformed chunked body (${(error as Error).message})`));
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
      this.socket.setTimeout(0);
    }
  }

  resume(): void {
    if (this.phase !== Phase.Body) return;
    this.socket.setTimeout(this.call!.request.bodyTimeoutMs);
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
    this.socket.setTimeout(this.idleMs);
    this.owner.release(this);
  }

  private fail(error: NodeJS.ErrnoException): void {
    const call = this.call;
    this.call = undefined;
    this.phase = Phase.Closed;
    this.socket.destroy();
    call?.handler.onError(error);
  }

  private readonly onTimeout = (): void => {
    switch (this.phase) {
      case Phase.Connecting:
        return this.fail(upstreamError(UpstreamErrors.connectTimeout, 'connect timeout'));
      case Phase.Head:
        return this.fail(upstreamError(UpstreamErrors.headersTimeout, 'response headers timeout'));
      case Phase.Body:
        return this.fail(upstreamError(UpstreamErrors.bodyTimeout, 'response body idle timeout'));
      case Phase.Idle:
      case Phase.Closed:
        this.socket.destroy();
    }
  };

  private readonly onEnd = (): void => {
    if (this.phase === Phase.Body && this.untilClose && this.call) {
      this.reusable = false;
      this.complete();
    }
  };

  private readonly onClose = (): void => {
    const phase = this.phase;
    this.phase = Phase.Closed;
    this.owner.forget(this);
    if (!this.call) return;
    let error = this.failure;
    if (!error) {
      if (phase === Phase.Connecting) error = upstreamError('ECONNREFUSED', 'the connection closed while connecting');
      else if (phase === Phase.Body) error = upstreamError(UpstreamErrors.closed, 'the backend closed the connection mid-response');
      // Before any response byte a close means the same as a reset: it went away.
      else error = upstreamError('ECONNRESET', 'the backend closed the connection before answering');
    }
    this.fail(error);
  };
}
