import { constants, type ServerHttp2Stream } from 'node:http2';
import type { ListenerInfo, RequestMessage } from '../message';
import type { RequestBodySink } from '../http1/proxy-request';
import { loopNow } from '../http1/loop-clock';
import { pathFromTarget } from '../host-header';
import type { H2RequestHead } from './h2-headers';
import type { ConnectionPeer } from '../../listeners/client-address';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = constants;
const resetError = () => new Error('The client reset the stream while sending its request body.');

/**
 * A client's HTTP/2 request: the translated head, and its body as the
 * stream's DATA frames, which flow only once something asks for them (so a
 * request that fails to connect upstream can still be retried elsewhere).
 * Pausing the stream stops node:http2 from acknowledging the data it holds,
 * so the client's flow-control window closes: backpressure reaches the client.
 */
export class H2Request implements RequestMessage {
  readonly protocol = 'HTTP/2';
  readonly upgrade = undefined;
  bodyStarted = false;
  /**
   * When a body being read that has stopped arriving is cut (the front's
   * sweep checks it); infinite while nobody reads it, while the proxy holds
   * it back (the client's window is closed, so silence is ours), and once it
   * ended or its response finished.
   */
  bodyDeadline = Number.POSITIVE_INFINITY;
  /** The response finished first: what still arrives is read and dropped until the stream closes. */
  private discarding = false;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly head: H2RequestHead,
    /** The client's header list as received: the cheapest form to keep for the traffic record. */
    readonly keptHeaders: readonly string[],
    /** END_STREAM came with the headers: no body. */
    private readonly endStream: boolean,
    /** The session's address, TLS version and port, asked of its socket once. */
    private readonly peer: ConnectionPeer,
    readonly listener: ListenerInfo,
    /** Longest silence of a body being read (the listener's head timeout, see Http2Front). */
    private readonly bodyIdleMs: number,
  ) {}

  get method(): string {
    return this.head.method;
  }

  get url(): string {
    return this.head.path;
  }

  get host(): string {
    return this.head.host;
  }

  get rawHeaders(): string[] {
    return this.head.rawHeaders;
  }

  get headers(): Record<string, string> {
    return this.head.headers;
  }

  get tlsVersion(): string | undefined {
    return this.peer.tlsVersion;
  }

  get clientAddress(): string {
    return this.peer.clientAddress;
  }

  get localPort(): number {
    return this.peer.localPort;
  }

  get path(): string {
    return pathFromTarget(this.head.path);
  }

  header(name: string): string | undefined {
    return this.head.headers[name];
  }

  get hasBody(): boolean {
    return !this.endStream;
  }

  /** Without a Content-Length the body's end is END_STREAM, so it goes upstream chunked. */
  get bodyLength(): number | undefined {
    return this.endStream ? 0 : this.head.contentLength;
  }

  /** The listeners are made here, not per request: most requests have no body. */
  pipeBody(sink: RequestBodySink): void {
    this.bodyStarted = true;
    const { stream } = this;
    let ended = false;
    this.bodyDeadline = loopNow() + this.bodyIdleMs;
    stream.on('data', (chunk: Buffer) => {
      if (this.discarding) return;
      if (sink.onData(chunk)) this.bodyDeadline = loopNow() + this.bodyIdleMs;
      else {
        this.bodyDeadline = Number.POSITIVE_INFINITY;
        stream.pause();
      }
    });
    stream.once('end', () => {
      ended = true;
      this.bodyDeadline = Number.POSITIVE_INFINITY;
      if (this.discarding) return;
      // node:http2 ends the readable side of a stream the client reset too:
      // that body broke off, and must not reach the backend as complete.
      if (stream.closed && stream.rstCode !== NGHTTP2_NO_ERROR) sink.onError(resetError());
      else sink.onEnd();
    });
    stream.once('close', () => {
      this.bodyDeadline = Number.POSITIVE_INFINITY;
      // Reset by the client (or the session died, or the body stalled) before END_STREAM.
      if (!ended && !this.discarding) sink.onError(resetError());
    });
  }

  resumeBody(): void {
    if (this.bodyStarted && !this.discarding && !this.stream.readableEnded) this.bodyDeadline = loopNow() + this.bodyIdleMs;
    this.stream.resume();
  }

  /**
   * The response finished while the body is still arriving: nobody wants the
   * rest. It flows on and is dropped (a stream held paused would keep its
   * unread DATA, and the client waiting on its window) until the response
   * closes the stream; no sink hears of it any more.
   */
  discardBody(): void {
    this.discarding = true;
    this.bodyDeadline = Number.POSITIVE_INFINITY;
    this.stream.resume();
  }

  /**
   * The body stopped arriving for the idle time while the proxy was reading
   * it (nginx's client_body_timeout): RST_STREAM CANCEL; the 'close' that
   * follows tells the sink, so the backend's request is aborted too.
   */
  bodyStalled(): void {
    this.bodyDeadline = Number.POSITIVE_INFINITY;
    if (!this.stream.closed) this.stream.close(NGHTTP2_CANCEL);
  }
}
