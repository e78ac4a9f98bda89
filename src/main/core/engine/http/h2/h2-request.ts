import { constants, type ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { ListenerInfo, RequestMessage } from '../message';
import type { RequestBodySink } from '../http1/proxy-request';
import { pathFromTarget } from '../host-header';
import type { H2RequestHead } from './h2-headers';

const { NGHTTP2_NO_ERROR } = constants;
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

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly head: H2RequestHead,
    /** The client's header list as received: the cheapest form to keep for the traffic record. */
    readonly keptHeaders: readonly string[],
    /** END_STREAM came with the headers: no body. */
    private readonly endStream: boolean,
    private readonly socket: TLSSocket,
    readonly listener: ListenerInfo,
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
    return this.socket.getProtocol() ?? undefined;
  }

  get clientAddress(): string {
    const address = this.socket.remoteAddress ?? '';
    return address.startsWith('::ffff:') ? address.slice(7) : address;
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
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
    stream.on('data', (chunk: Buffer) => {
      if (!sink.onData(chunk)) stream.pause();
    });
    stream.once('end', () => {
      ended = true;
      // node:http2 ends the readable side of a stream the client reset too:
      // that body broke off, and must not reach the backend as complete.
      if (stream.closed && stream.rstCode !== NGHTTP2_NO_ERROR) sink.onError(resetError());
      else sink.onEnd();
    });
    stream.once('close', () => {
      // Reset by the client (or the session died) before END_STREAM.
      if (!ended) sink.onError(resetError());
    });
  }

  resumeBody(): void {
    this.stream.resume();
  }
}
