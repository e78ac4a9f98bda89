import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

const IPV4_MAPPED_PREFIX = '::ffff:';

/** The client's address as people and balancers see it: an IPv4 client of a dual-stack socket as plain IPv4. */
export function clientAddressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? '';
  return address.startsWith(IPV4_MAPPED_PREFIX) ? address.slice(IPV4_MAPPED_PREFIX.length) : address;
}

/**
 * What every request on a connection asks of its socket (the client's
 * address, the TLS version, the local port), worked out once per
 * connection: each is a call into the socket's handle, and a keep-alive
 * client sends thousands of requests on one.
 */
export class ConnectionPeer {
  private address: string | undefined;
  /** null: not TLS, or no version known. */
  private version: string | null | undefined;
  private port: number | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly tls: boolean,
  ) {}

  get clientAddress(): string {
    return (this.address ??= clientAddressOf(this.socket));
  }

  get tlsVersion(): string | undefined {
    if (this.version === undefined) this.version = this.tls ? (this.socket as TLSSocket).getProtocol() : null;
    return this.version ?? undefined;
  }

  get localPort(): number {
    return (this.port ??= this.socket.localPort ?? 0);
  }
}
