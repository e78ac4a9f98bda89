import type { Socket } from 'node:net';
import type { Framing } from './body-framing';
import type { RequestHead } from './head-parser';
import type { ListenerInfo, RequestMessage } from '../message';
import { pathFromTarget } from '../host-header';
import type { ConnectionPeer } from '../../listeners/client-address';

/** Where a request body goes: `onData` returning false pauses the client until `resumeBody()`. */
export interface RequestBodySink {
  onData(chunk: Buffer): boolean;
  onEnd(): void;
  /** The client's body broke off (it disconnected or sent bad chunk framing). */
  onError(error: Error): void;
}

/** What a connection does for its current request's body. */
export interface BodySource {
  attachBody(sink: RequestBodySink): void;
  resumeBody(): void;
}

const protocols = ['HTTP/1.0', 'HTTP/1.1'] as const;

/**
 * A client's HTTP/1 request: the parsed head, the socket for addresses, and
 * its body, which flows only once something asks for it (so a request that
 * fails to connect upstream can still be retried elsewhere).
 */
export class ProxyRequest implements RequestMessage {
  readonly method: string;
  /** Origin-form (`/x?y`), or `*` for OPTIONS: absolute-form targets were reduced on arrival. */
  readonly url: string;
  readonly minor: 0 | 1;
  readonly rawHeaders: string[];
  readonly keptHeaders: string;
  /** Whether any body byte was handed over yet. */
  bodyStarted = false;

  constructor(
    private readonly head: RequestHead,
    /** What routing compares: the Host's name, lower case, without port (see parseHost). */
    readonly host: string,
    readonly socket: Socket,
    readonly framing: Framing,
    private readonly source: BodySource,
    readonly listener: ListenerInfo,
    /** The connection's address, TLS version and port, asked of the socket once per connection. */
    private readonly peer: ConnectionPeer,
  ) {
    this.method = head.method;
    this.url = head.target;
    this.minor = head.minor;
    this.rawHeaders = head.rawHeaders;
    this.keptHeaders = head.text;
  }

  /** Every header by lower-case name; built on first use (see MessageHead), so the proxy's own lookups go through header(). */
  get headers(): Record<string, string> {
    return this.head.headers;
  }

  get protocol(): string {
    return protocols[this.minor];
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
    return pathFromTarget(this.url);
  }

  header(name: string): string | undefined {
    return this.head.header(name);
  }

  get upgrade(): string | undefined {
    return this.head.header('upgrade');
  }

  get hasBody(): boolean {
    return this.framing.kind !== 'none';
  }

  get bodyLength(): number | undefined {
    return this.framing.kind === 'length' ? this.framing.length : this.framing.kind === 'none' ? 0 : undefined;
  }

  pipeBody(sink: RequestBodySink): void {
    this.bodyStarted = true;
    this.source.attachBody(sink);
  }

  resumeBody(): void {
    this.source.resumeBody();
  }
}
