import net from 'node:net';
import { listenAddressOf } from '../../../../shared/route-kind';
import { ConnectionRecord } from './connection-record';
import type { L4Context } from './l4-context';
import type { PerRouteListener } from './route-listeners';
import { TcpRelay } from './tcp-relay';

/**
 * One TCP route's listening socket and its open connections. Connections are
 * accepted paused (nothing is read before a backend is connected, so a client
 * that talks first cannot fill memory) and half-open (each direction ends
 * on its own). Beyond the route's maxConnections a new connection is closed
 * as soon as it is accepted (net.Server's own limit).
 */
export class TcpListener implements PerRouteListener {
  private readonly relays = new Set<TcpRelay>();
  private readonly server: net.Server;
  private emptied: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private cutAt = Infinity;
  private cutTimer: NodeJS.Timeout | undefined;
  readonly address: string;
  readonly port: number;

  constructor(
    readonly routeId: number,
    readonly url: string,
    private readonly ctx: L4Context,
    onError: (context: string, error: unknown) => void,
  ) {
    ({ address: this.address, port: this.port } = listenAddressOf(url));
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => onError(`TCP route ${url}`, error));
    this.server.on('drop', (data) => this.dropped(data?.remoteAddress ?? ''));
  }

  /** Binds the address; rejects with the OS error (EADDRINUSE, EACCES…) for the caller to word. */
  listen(maxConnections: number): Promise<void> {
    this.server.maxConnections = maxConnections;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.address, port: this.port, exclusive: true }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  set maxConnections(limit: number) {
    this.server.maxConnections = limit;
  }

  /**
   * Stops accepting at once; open connections go on until they end or until
   * `graceMs` has passed, when they are cut (nginx's worker_shutdown_timeout,
   * HAProxy's hard-stop-after). Called again while stopping, the earlier
   * deadline of the two applies.
   */
  stop(graceMs: number): Promise<void> {
    const cutAt = Date.now() + graceMs;
    if (this.stopping && cutAt >= this.cutAt) return this.stopping;
    this.cutAt = cutAt;
    clearTimeout(this.cutTimer);
    this.cutTimer = setTimeout(() => {
      for (const relay of this.relays) relay.cut();
    }, graceMs);
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.relays.size > 0) await new Promise<void>((resolve) => (this.emptied = resolve));
    clearTimeout(this.cutTimer);
    await closed;
  }

  private accept(socket: net.Socket): void {
    const route = this.ctx.table().route(this.routeId);
    if (!route || route.kind !== 'tcp') {
      socket.destroy();
      return;
    }
    const relay = new TcpRelay(socket, route, this.ctx, this.relayEnded);
    this.relays.add(relay);
    relay.start();
  }

  /** Closed at the door for maxConnections: the traffic record says so, as nothing else would. */
  private dropped(clientAddress: string): void {
    const route = this.ctx.table().route(this.routeId);
    if (route && this.ctx.records.wanted) ConnectionRecord.dropped(route, clientAddress, this.ctx.records);
  }

  private readonly relayEnded = (relay: TcpRelay): void => {
    this.relays.delete(relay);
    if (this.relays.size === 0) this.emptied?.();
  };
}
