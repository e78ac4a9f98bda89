import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { listenAddressOf } from '../../../../shared/route-kind';
import type { L4Context } from './l4-context';
import type { PerRouteListener } from './route-listeners';
import { UdpSession, type SessionOwner } from './udp-session';

/**
 * One UDP route's socket and its sessions, keyed by client address:port.
 * A datagram from a new client starts a session while the route has fewer
 * than maxConnections; past that it is dropped, so a flood of source ports
 * holds at most that many sessions (and upstream sockets). Replies go back
 * from this socket, the address the client sent to.
 */
export class UdpListener implements SessionOwner, PerRouteListener {
  private readonly sessions = new Map<string, UdpSession>();
  private readonly socket: dgram.Socket;
  private maxSessions = 0;
  private stopped: Promise<void> | undefined;
  readonly address: string;
  readonly port: number;

  constructor(
    readonly routeId: number,
    readonly url: string,
    private readonly ctx: L4Context,
    private readonly onError: (context: string, error: unknown) => void,
  ) {
    ({ address: this.address, port: this.port } = listenAddressOf(url));
    this.socket = dgram.createSocket(isIPv6(this.address) ? 'udp6' : 'udp4');
    this.socket.on('message', (datagram, from) => this.receive(datagram, from.address, from.port));
  }

  /** Binds the address; rejects with the OS error (EADDRINUSE, EACCES…) for the caller to word, the socket closed. */
  listen(maxSessions: number): Promise<void> {
    this.maxSessions = maxSessions;
    return new Promise((resolve, reject) => {
      // A socket that could not bind still holds its handle until closed.
      const failed = (error: Error): void => {
        this.socket.close(() => reject(error));
      };
      this.socket.once('error', failed);
      this.socket.bind({ address: this.address, port: this.port, exclusive: true }, () => {
        this.socket.off('error', failed);
        // From here on a socket error is logged: it must not stop the proxy.
        this.socket.on('error', (error) => this.onError(`UDP route ${this.url}`, error));
        resolve();
      });
    });
  }

  set maxConnections(limit: number) {
    this.maxSessions = limit;
  }

  /**
   * Ends the sessions whose backend may no longer take traffic (switched off
   * or removed): the client's next datagram starts a session on another.
   * Draining backends keep theirs until they end.
   */
  retire(keep: (backendId: number) => boolean): void {
    for (const session of this.sessions.values()) {
      const id = session.backendId;
      if (id !== undefined && !keep(id)) session.end('backend-off');
    }
  }

  /**
   * Closes the socket and ends every session at once. A UDP session has no
   * stream to finish, and closing frees the port at once, so a route removed
   * and added again binds it.
   */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      for (const session of this.sessions.values()) session.end('cut');
      this.socket.close(() => resolve());
    });
    return this.stopped;
  }

  reply(session: UdpSession, datagram: Buffer): void {
    if (this.stopped) return;
    // A reply the kernel refuses (EMSGSIZE, ENOBUFS) is lost, as any datagram may be.
    this.socket.send(datagram, session.clientPort, session.clientAddress, ignore);
  }

  ended(session: UdpSession): void {
    this.sessions.delete(session.key);
  }

  private receive(datagram: Buffer, address: string, port: number): void {
    if (this.stopped) return;
    const session = this.sessions.get(`${address}:${port}`);
    if (session) {
      session.fromClient(datagram);
      return;
    }
    if (this.sessions.size >= this.maxSessions) return;
    const route = this.ctx.table().route(this.routeId);
    if (!route || route.kind !== 'udp') return;
    const started = new UdpSession(address, port, route, this.ctx, this);
    this.sessions.set(started.key, started);
    // Nothing to send it to: no session is kept, as nginx closes one with no live upstream.
    if (!started.fromClient(datagram)) started.end();
  }
}

function ignore(): void {}
