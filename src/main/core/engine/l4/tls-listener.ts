import net from 'node:net';
import { listenAddressOf } from '../../../../shared/route-kind';
import { ConnectionRecord } from './connection-record';
import { peekClientHello, type PeekOutcome } from './hello-peek';
import type { L4Context } from './l4-context';
import { routeForServerName, sniIndex, type SniIndex, type SniRoute } from './sni-routes';
import { TcpRelay } from './tcp-relay';
import { recordUnrouted } from './unrouted-record';

/** One route's share of a shared port, as the listener routes by it. */
export interface TlsListenerRoute extends SniRoute {
  maxConnections: number;
}

/**
 * The listening socket of one TLS passthrough address (tls://127.0.0.1:8443),
 * shared by every TLS route on it. Each connection's ClientHello is read
 * without terminating TLS (hello-peek.ts), its server name picks the route
 * (sni-routes.ts), and the route's TcpRelay replays the bytes read to the
 * backend it picks and relays the rest, as a TCP route does. A route beyond
 * its maxConnections closes the connection (HAProxy's backend maxconn,
 * without its queue); the socket as a whole takes at most the sum of its
 * routes' limits, so connections still sending their hello are bounded too.
 */
export class TlsListener {
  private readonly server: net.Server;
  private index: SniIndex = sniIndex([]);
  private limits = new Map<number, number>();
  /** Open relays per route id. */
  private readonly relays = new Map<number, Set<TcpRelay>>();
  /** Connections still sending their hello. */
  private readonly peeking = new Set<net.Socket>();
  private readonly cutTimers = new Map<number, NodeJS.Timeout>();
  private emptied: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  readonly address: string;
  readonly port: number;

  constructor(
    /** The listen URL without a server name, tls://127.0.0.1:8443. */
    readonly url: string,
    private readonly ctx: L4Context,
    private readonly helloTimeoutMs: number,
    onError: (context: string, error: unknown) => void,
  ) {
    ({ address: this.address, port: this.port } = listenAddressOf(url));
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => onError(`TLS passthrough ${url}`, error));
  }

  /** Binds the address; rejects with the OS error (EADDRINUSE, EACCES…) for the caller to word. */
  listen(routes: readonly TlsListenerRoute[]): Promise<void> {
    this.setRoutes(routes);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.address, port: this.port, exclusive: true }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** The routes this address serves now; connections already routed keep theirs. */
  setRoutes(routes: readonly TlsListenerRoute[]): void {
    this.index = sniIndex(routes);
    this.limits = new Map(routes.map((route) => [route.id, route.maxConnections]));
    this.server.maxConnections = routes.reduce((sum, route) => sum + route.maxConnections, 0);
  }

  get routeIds(): number[] {
    return [...this.limits.keys()];
  }

  /** A route gone from this address: its connections go on until `graceMs` has passed, then are cut. */
  retire(routeId: number, graceMs: number): void {
    if (this.cutTimers.has(routeId) || !this.relays.has(routeId)) return;
    this.cutTimers.set(
      routeId,
      setTimeout(() => {
        this.cutTimers.delete(routeId);
        for (const relay of this.relays.get(routeId) ?? []) relay.cut();
      }, graceMs),
    );
  }

  /**
   * Stops accepting; connections still sending their hello are closed (they
   * have no route to go to), routed ones go on until they end or `graceMs`
   * has passed, as a TCP route's listener (tcp-listener.ts).
   */
  stop(graceMs: number): Promise<void> {
    if (this.stopping) return this.stopping;
    for (const socket of this.peeking) socket.destroy();
    for (const routeId of this.relays.keys()) {
      clearTimeout(this.cutTimers.get(routeId));
      this.cutTimers.delete(routeId);
      this.retire(routeId, graceMs);
    }
    this.stopping = this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.relays.size > 0) await new Promise<void>((resolve) => (this.emptied = resolve));
    for (const timer of this.cutTimers.values()) clearTimeout(timer);
    await closed;
  }

  private accept(socket: net.Socket): void {
    this.peeking.add(socket);
    // Until a relay takes the socket over (and with it the errors), a reset just closes it.
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.peeking.delete(socket));
    const acceptedAt = performance.now();
    peekClientHello(socket, this.helloTimeoutMs, (bytes, outcome) => this.route(socket, bytes, outcome, acceptedAt));
  }

  private route(socket: net.Socket, hello: Buffer, outcome: PeekOutcome, acceptedAt: number): void {
    this.peeking.delete(socket);
    // Closed meanwhile (the listener stopping closes connections still sending their hello).
    if (socket.destroyed) return;
    const serverName = outcome.kind === 'hello' ? outcome.serverName : undefined;
    const routeId = routeForServerName(this.index, serverName);
    const route = routeId === undefined ? undefined : this.ctx.table().route(routeId);
    // No route for this name (and no * route): closed, as nginx closes a stream with no upstream.
    if (!route || route.kind !== 'tls') {
      const host = serverName === undefined ? this.url : `${this.url}/${serverName}`;
      if (this.ctx.records.wanted) recordUnrouted(this.ctx.records, host, socket.remoteAddress ?? '', acceptedAt);
      socket.destroy();
      return;
    }
    const open = this.relays.get(route.id) ?? new Set<TcpRelay>();
    if (open.size >= (this.limits.get(route.id) ?? 0)) {
      // Closed for maxConnections: the traffic record says so, as a TCP route's does.
      if (this.ctx.records.wanted) ConnectionRecord.dropped(route, socket.remoteAddress ?? '', this.ctx.records);
      socket.destroy();
      return;
    }
    const relay = new TcpRelay(socket, route, this.ctx, (ended) => this.relayEnded(route.id, ended), hello);
    open.add(relay);
    this.relays.set(route.id, open);
    relay.start();
  }

  private relayEnded(routeId: number, relay: TcpRelay): void {
    const open = this.relays.get(routeId);
    open?.delete(relay);
    if (open?.size === 0) {
      this.relays.delete(routeId);
      clearTimeout(this.cutTimers.get(routeId));
      this.cutTimers.delete(routeId);
    }
    if (this.relays.size === 0) this.emptied?.();
  }
}
