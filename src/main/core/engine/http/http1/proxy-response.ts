import { STATUS_CODES } from 'node:http';
import type { ResponseListener, ResponseMessage } from '../message';
import { chunkHeader, lastChunk } from './body-framing';

/** The connection a response writes to. */
export interface ResponseSink {
  readonly socket: import('node:net').Socket;
  /** Whether the connection may carry another request after this response. */
  keepAlive(): boolean;
  responseDone(res: ProxyResponse): void;
}

/** A first body chunk up to this size is sent in one write with the head (copying it costs less than a writev). */
const joinedBodyBytes = 4096;

const enum Body {
  None,
  Length,
  Chunked,
  Close,
}

/**
 * A response to the client, written straight to its socket: the head is
 * held until the first body bytes (or the end) so that both leave in one
 * write, the body is framed by Content-Length when the backend gave one and
 * chunked otherwise. Its listener hears when a write that returned false may
 * continue, and once when it finished or the client went away first.
 */
export class ProxyResponse implements ResponseMessage {
  headersSent = false;
  finished = false;
  private body = Body.None;
  private pendingHead: string | undefined;
  private listener: ResponseListener | undefined;
  private closeSent = false;

  constructor(
    private readonly sink: ResponseSink,
    private readonly method: string,
    private readonly minor: 0 | 1,
  ) {}

  listen(listener: ResponseListener): void {
    this.listener = listener;
  }

  /** The client's socket drained: a write that returned false may continue. */
  drained(): void {
    this.listener?.responseDrained();
  }

  /** Finished, or the client went away first; the listener hears it once. */
  closed(): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.listener?.responseClosed();
  }

  get destroyed(): boolean {
    return this.sink.socket.destroyed;
  }

  /** `headers` is a flat [name, value, ...] list; framing headers are added here. */
  writeHead(status: number, reason: string | undefined, headers: readonly string[]): void {
    if (this.headersSent) throw new Error('Response head already sent.');
    this.headersSent = true;
    let head = `HTTP/1.1 ${status} ${reason || STATUS_CODES[status] || 'Unknown'}\r\n`;
    let hasLength = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
      head += `${name}: ${headers[i + 1]}\r\n`;
    }
    if (this.method === 'HEAD' || status === 204 || status === 304 || status < 200) this.body = Body.None;
    else if (hasLength) this.body = Body.Length;
    else if (this.minor === 1) {
      this.body = Body.Chunked;
      head += 'Transfer-Encoding: chunked\r\n';
    } else this.body = Body.Close;
    if (this.body === Body.Close || !this.sink.keepAlive()) head += 'Connection: close\r\n';
    // HTTP/1.0 closes by default: a client that asked to keep the connection (ab -k) is told it may.
    else if (this.minor === 0) head += 'Connection: keep-alive\r\n';
    this.pendingHead = `${head}\r\n`;
  }

  /** Whether the connection stays open after this response. */
  get keepsAlive(): boolean {
    return this.body !== Body.Close && this.sink.keepAlive();
  }

  write(chunk: Buffer | string): boolean {
    const socket = this.sink.socket;
    if (this.finished || socket.destroyed) return false;
    if (this.body === Body.None || chunk.length === 0) {
      if (this.pendingHead === undefined) return true;
      const head = this.pendingHead;
      this.pendingHead = undefined;
      return socket.write(head, 'latin1');
    }
    if (this.pendingHead !== undefined && typeof chunk !== 'string' && chunk.length <= joinedBodyBytes) {
      // The usual small answer: head and body leave as one latin1 string in
      // one write (latin1 maps bytes 1:1), not a corked writev of two.
      const head = this.pendingHead;
      this.pendingHead = undefined;
      const body = chunk.toString('latin1');
      return socket.write(this.body === Body.Chunked ? `${head}${chunkHeader(chunk.length)}${body}\r\n` : head + body, 'latin1');
    }
    socket.cork();
    if (this.pendingHead !== undefined) {
      socket.write(this.pendingHead, 'latin1');
      this.pendingHead = undefined;
    }
    let ok: boolean;
    if (this.body === Body.Chunked) {
      socket.write(chunkHeader(Buffer.byteLength(chunk)), 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
    } else ok = socket.write(chunk);
    socket.uncork();
    return ok;
  }

  /** Whether bytes written so far may still sit in the socket's queue (not yet handed to the kernel). */
  holdsChunks(): boolean {
    return this.sink.socket.writableLength > 0;
  }

  end(chunk?: Buffer | string): void {
    if (this.finished) return;
    if (chunk !== undefined) this.write(chunk);
    const socket = this.sink.socket;
    if (!socket.destroyed) {
      if (this.pendingHead !== undefined) socket.write(this.pendingHead, 'latin1');
      if (this.body === Body.Chunked) socket.write(lastChunk, 'latin1');
    }
    this.pendingHead = undefined;
    this.finished = true;
    this.sink.responseDone(this);
    // At once: the exchange settles its attempt and notes its record on this stack, not a tick later.
    this.closed();
  }

  /** Aborts the response visibly: the client sees the connection cut, never a short body presented as complete. */
  destroy(): void {
    this.sink.socket.destroy();
  }
}
