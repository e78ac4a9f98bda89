import type { Duplex } from 'node:stream';
import type { RequestBodySink } from './http1/proxy-request';

// What the proxy's HTTP logic (routing, balancing, forwarded headers, error
// pages, the exchange and its retries) sees of a request and a response:
// no wire details (HTTP/1's minor version, framing, the socket), so an
// HTTP/2 or TLS listener can hand in its own messages.

/** What a balancer may key on; a TCP connection has only its client address. */
export interface SelectionKey {
  readonly clientAddress: string;
  /** A request header's value by lower-case name (hash keys, sticky cookies); undefined when absent. */
  header(name: string): string | undefined;
  /** The request path without query, for path hash keys; undefined for TCP. */
  readonly path: string | undefined;
}

/** Where a request came in: its scheme is what X-Forwarded-Proto says. */
export interface ListenerInfo {
  scheme: 'http' | 'https';
}

/**
 * Headers as a record keeps them: a [name, value, ...] list, or an HTTP/1
 * head's text, which the exchange has anyway and which is parsed only when
 * a trace is read (see headersOfHead).
 */
export type KeptHeaders = readonly string[] | string;

export interface RequestMessage extends SelectionKey {
  readonly method: string;
  /** Origin-form (`/x?y`), or `*` for OPTIONS. */
  readonly url: string;
  /** What routing compares: the Host's name, lower case, without port. */
  readonly host: string;
  /** As the access log shows it: `HTTP/1.1`, `HTTP/2`. */
  readonly protocol: string;
  /** The TLS version of the client's connection (`TLSv1.3`), undefined over plain TCP. */
  readonly tlsVersion: string | undefined;
  readonly rawHeaders: string[];
  readonly headers: Record<string, string>;
  /** The headers in the form that costs least to keep for the traffic record. */
  readonly keptHeaders: KeptHeaders;
  readonly listener: ListenerInfo;
  /** The port the client connected to (X-Forwarded-Port). */
  readonly localPort: number;
  /** The protocol the client asks to switch to (`websocket`), when it asks. */
  readonly upgrade: string | undefined;
  readonly hasBody: boolean;
  /** Body bytes announced up front, or undefined when the body's end is marked in the stream (chunked, DATA frames). */
  readonly bodyLength: number | undefined;
  /** Whether any body byte was handed over yet: a request whose body was consumed cannot be replayed. */
  readonly bodyStarted: boolean;
  pipeBody(sink: RequestBodySink): void;
  resumeBody(): void;
}

/** What a response tells the one exchange writing it; a field, not an emitter: no listener objects per request. */
export interface ResponseListener {
  /** A write that returned false may continue. */
  responseDrained(): void;
  /** The response finished, or the client went away first: exactly once. */
  responseClosed(): void;
}

export interface ResponseMessage {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  /** `headers` is a flat [name, value, ...] list; framing headers are the protocol's business. */
  writeHead(status: number, reason: string | undefined, headers: readonly string[]): void;
  /** Returns false when the client is behind: wait for 'drain'. */
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): void;
  /** Aborts visibly: the client sees the stream cut, never a short body presented as complete. */
  destroy(): void;
  /** Whether chunks written so far may still be queued (their memory must not be reused yet). */
  holdsChunks(): boolean;
  listen(listener: ResponseListener): void;
}

/** The response to a request that asked to switch protocols: it may answer normally, or switch and hand over the client's stream. */
export interface UpgradableResponse extends ResponseMessage {
  /** Sends the 101 head; the returned stream carries the tunnel's client side from now on. */
  switchProtocols(reason: string | undefined, headers: readonly string[]): Duplex;
}
