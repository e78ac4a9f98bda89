import net from 'node:net';
import { ClientConnection, lingeringTimeoutMs, type ConnectionHandlers, type ConnectionOptions } from './client-connection';
import type { ProxyRequest } from './proxy-request';
import type { ProxyResponse } from './proxy-response';
import type { ListenerInfo } from '../message';

/** Deadlines are enforced within this much of their time, or faster for shorter timeouts. */
const maxSweepMs = 1_000;

export type RequestHandler = (req: ProxyRequest, res: ProxyResponse) => void;
export type UpgradeHandler = (req: ProxyRequest, socket: net.Socket, head: Buffer) => void;

/**
 * Switchyard's own HTTP/1.1 server for the data plane, on plain `net`.
 * node:http's server costs about as much CPU per proxied request as
 * everything else together (IncomingMessage and ServerResponse streams,
 * header objects, per-request timers); see bench/FINDINGS.md. It keeps
 * node:http's operational surface: `closeIdleConnections` and
 * `closeAllConnections` for a graceful stop; unlike node:http's, the latter
 * also cuts upgraded (WebSocket) connections, which would otherwise keep
 * `close()` waiting forever.
 */
export class Http1Server extends net.Server {
  private readonly clients = new Set<ClientConnection>();
  /** Sockets handed over to an upgrade (WebSocket): still ours to cut at shutdown. */
  private readonly upgraded = new Set<net.Socket>();
  private stopping = false;
  private sweep: NodeJS.Timeout | undefined;
  private readonly handlers: ConnectionHandlers;

  /**
   * `options` is shared with every connection and read at each deadline, so
   * changing it (`limitsChanged`) applies to the next request without a restart.
   */
  constructor(
    private readonly options: ConnectionOptions,
    onRequest: RequestHandler,
    onUpgrade: UpgradeHandler,
    listener: ListenerInfo = { scheme: 'http' },
  ) {
    super({ noDelay: true });
    const handlers: ConnectionHandlers = {
      request: onRequest,
      upgrade: (req, socket, head) => {
        this.upgraded.add(socket);
        socket.once('close', () => this.upgraded.delete(socket));
        onUpgrade(req, socket, head);
      },
      released: (connection) => this.clients.delete(connection),
      closing: () => this.stopping,
      listener,
    };
    this.handlers = handlers;
    this.on('connection', (socket: net.Socket) => this.accept(socket));
    this.on('close', () => this.stopSweep());
  }

  /**
   * Serves a connection: one this server accepted, or one another listener
   * handed over (the HTTPS listener's TLS sockets that chose HTTP/1.1).
   */
  accept(socket: net.Socket): void {
    if (this.sweep === undefined) this.startSweep();
    this.clients.add(new ClientConnection(socket, this.options, this.handlers));
  }

  /** For a server that only serves handed-over sockets: no keep-alive from now on, idle ones closed. */
  stopServing(): void {
    this.stopping = true;
    this.closeIdleConnections();
    this.stopSweep();
  }

  /** The shared options changed: sweep at the pace the new timeouts need. */
  limitsChanged(): void {
    if (this.sweep === undefined) return;
    this.stopSweep();
    this.startSweep();
  }

  private stopSweep(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
  }

  private startSweep(): void {
    // One sweep a second (or faster for short timeouts) enforces every deadline.
    this.sweep = setInterval(() => {
      const now = Date.now();
      for (const connection of this.clients) connection.checkDeadline(now);
    }, Math.min(maxSweepMs, this.options.headerTimeoutMs, this.options.keepAliveTimeoutMs, this.options.lingeringTimeoutMs ?? lingeringTimeoutMs));
    this.sweep.unref();
  }

  override close(callback?: (error?: Error) => void): this {
    this.stopping = true;
    super.close(callback);
    this.closeIdleConnections();
    return this;
  }

  closeIdleConnections(): void {
    for (const connection of this.clients) if (connection.idle) connection.socket.destroy();
  }

  closeAllConnections(): void {
    for (const connection of this.clients) connection.socket.destroy();
    for (const socket of this.upgraded) socket.destroy();
  }
}
