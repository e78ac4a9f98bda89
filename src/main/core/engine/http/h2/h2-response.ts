import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { ResponseListener, ResponseMessage } from '../message';
import { responseHeaderBlock } from './h2-headers';
import type { H2Request } from './h2-request';

const { NGHTTP2_NO_ERROR } = constants;

/**
 * A response on one HTTP/2 stream. The head is held until the first body
 * bytes or the end, so a bodiless answer is one HEADERS frame with
 * END_STREAM; framing is the stream's (DATA frames), so Content-Length is
 * passed on only as the backend gave it. Its listener hears when a write
 * that returned false may continue (the stream's flow-control window opened
 * and its queue drained), and once when it finished or the stream closed first.
 */
export class H2Response implements ResponseMessage {
  headersSent = false;
  finished = false;
  private pendingHead: OutgoingHttpHeaders | undefined;
  private bodyless = false;
  private listener: ResponseListener | undefined;
  private closeSent = false;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly method: string,
    /** The request, when it has a body that may still be arriving as the response ends. */
    private readonly request?: H2Request,
  ) {
    stream.on('drain', this.onDrain);
    stream.once('close', this.onClose);
  }

  listen(listener: ResponseListener): void {
    this.listener = listener;
  }

  get destroyed(): boolean {
    return this.stream.destroyed || this.stream.closed;
  }

  writeHead(status: number, _reason: string | undefined, headers: readonly string[]): void {
    if (this.headersSent) throw new Error('Response head already sent.');
    this.headersSent = true;
    // HTTP/2 has no reason phrase (RFC 9113 §8.3.2).
    this.pendingHead = responseHeaderBlock(status, headers);
    this.bodyless = this.method === 'HEAD' || status === 204 || status === 304;
  }

  /** Sends the held head; false when the stream can no longer take it. */
  private flushHead(endStream: boolean): boolean {
    const head = this.pendingHead;
    if (head === undefined) return !this.destroyed;
    this.pendingHead = undefined;
    if (this.destroyed) return false;
    try {
      this.stream.respond(head, { endStream });
    } catch {
      // A status or field node:http2 refuses (a backend's status 600): the
      // client must not take anything for this response, so the stream is cut.
      this.destroy();
      return false;
    }
    return true;
  }

  write(chunk: Buffer | string): boolean {
    if (this.finished || this.destroyed) return false;
    if (this.bodyless || chunk.length === 0) return this.flushHead(false);
    if (!this.flushHead(false)) return false;
    return this.stream.write(chunk);
  }

  /** Whether written chunks may still be queued: node:http2 calls back a write once nghttp2 has sent it. */
  holdsChunks(): boolean {
    return this.stream.writableLength > 0;
  }

  end(chunk?: Buffer | string): void {
    if (this.finished) return;
    this.finished = true;
    const hasBody = chunk !== undefined && chunk.length > 0 && !this.bodyless;
    if (this.pendingHead !== undefined && !hasBody) this.flushHead(true);
    else if (this.flushHead(false)) {
      if (hasBody) this.stream.end(chunk);
      else this.stream.end();
    }
    this.closeRequestSide();
    // At once: the exchange settles its attempt and notes its record on this stack.
    this.closed();
  }

  /**
   * A response complete before its request (a backend that answered without
   * reading the body, an error page): the stream is closed with RST_STREAM
   * NO_ERROR, which asks the client to stop sending (RFC 9113 §8.1), as
   * nginx's ngx_http_v2_close_stream does. node:http2 sends the reset only
   * after 'finish', so every DATA frame of the response goes first. It does
   * this itself only for a stream whose body nothing ever read; one the proxy
   * was reading would otherwise stay open, holding one of the session's
   * concurrent streams (and the session itself) for good.
   */
  private closeRequestSide(): void {
    const request = this.request;
    if (request === undefined || this.destroyed || (this.stream.state.remoteClose ?? 0) !== 0) return;
    request.discardBody();
    this.stream.close(NGHTTP2_NO_ERROR);
  }

  /**
   * Aborts visibly: RST_STREAM INTERNAL_ERROR, so the client never takes a
   * short body for a complete one. Destroying with an error resets at once;
   * `stream.close(code)` ends the writable side first, and with DATA still
   * queued node:http2 sent END_STREAM before the reset (the client saw a
   * complete, short response, or a Content-Length mismatch).
   */
  destroy(): void {
    if (!this.stream.destroyed) this.stream.destroy(new Error('The response was cut off.'));
  }

  private readonly onDrain = (): void => {
    this.listener?.responseDrained();
  };

  private readonly onClose = (): void => {
    this.closed();
  };

  private closed(): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.listener?.responseClosed();
  }
}
