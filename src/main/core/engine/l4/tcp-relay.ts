import type net from 'node:net';
import type { SelectionKey } from '../http/message';
import { pickBackend } from '../balancing/balancer';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import { socketFailure, upstreamFailure, type UpstreamFailure } from '../upstream/failures';
import type { L4Context } from './l4-context';
import { proxyProtocolHeader } from './proxy-protocol';

/** A connection carries no HTTP status; the traffic counters take it as an answer without a class. */
const noStatus = 0;

/**
 * One client connection of a TCP route: pick a backend, dial it (a connect
 * failure or timeout goes to another backend before any byte moves, as
 * nginx's stream `proxy_next_upstream on`), then relay bytes both ways with
 * pipe(), which pauses the side whose destination's buffer is full. Each
 * direction ends on its own (half-close), a reset on one side is passed to
 * the other as a reset, and silence on either socket for the route's idle
 * timeout closes both (nginx's `proxy_timeout`).
 */
export class TcpRelay implements SelectionKey {
  readonly clientAddress: string;
  readonly path = undefined;
  private upstream: net.Socket | undefined;
  private target: UpstreamTarget | undefined;
  private tried: Set<number> | undefined;
  private attempts = 0;
  private started = 0;
  private connected = false;
  private clientClosed = false;
  private finished = false;

  constructor(
    private readonly client: net.Socket,
    private readonly route: CompiledRoute,
    private readonly ctx: L4Context,
    /** Called once, when both sockets are closed. */
    private readonly ended: (relay: TcpRelay) => void,
    /** Bytes already read from the client (a TLS route's ClientHello), sent to the backend first and unchanged. */
    private readonly prelude?: Buffer,
  ) {
    this.clientAddress = client.remoteAddress ?? '';
  }

  header(): undefined {
    return undefined;
  }

  start(): void {
    const { client } = this;
    this.ctx.stats.recordRequest(this.route.id);
    client.setTimeout(this.route.settings.idleTimeoutMs);
    client.on('timeout', this.onIdle);
    // A reset from the client is passed on when its socket closes.
    client.on('error', ignore);
    client.once('close', this.onClientClose);
    const target = this.pick();
    if (target) this.attempt(target);
    // Nothing to connect to: close at once, as nginx does with no live upstream.
    else client.destroy();
  }

  private pick(): UpstreamTarget | undefined {
    return pickBackend(this, this.route, this.ctx.selection, this.ctx.inFlight.count, this.tried);
  }

  /** Cuts both sides now (a stopping route past its deadline). */
  cut(): void {
    this.upstream?.destroy();
    this.client.destroy();
  }

  private attempt(target: UpstreamTarget): void {
    this.attempts += 1;
    this.target = target;
    this.started = performance.now();
    // Counted from the attempt, so least-connections sees connections being made too.
    this.ctx.inFlight.begin(target.id);
    const { socket } = this.ctx.dial(target, { connectTimeoutMs: this.route.settings.connectTimeoutMs, verifyTls: false, allowHalfOpen: true });
    this.upstream = socket;
    // Bound to this attempt's socket: a failed attempt's late events must not touch the next one.
    socket.once('connect', () => this.onConnect(socket));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (socket === this.upstream && !this.connected) this.failed(socketFailure(error, 'connect'));
    });
    socket.on('timeout', () => this.onUpstreamTimeout(socket));
    socket.once('close', (hadError) => this.onUpstreamClose(socket, hadError));
  }

  private onConnect(socket: net.Socket): void {
    const { client, target, route, ctx } = this;
    if (socket !== this.upstream || !target) return;
    this.connected = true;
    ctx.health.recordTraffic(target.id, true, '');
    ctx.stats.recordAnswer(route.id, target.id, noStatus, performance.now() - this.started);
    socket.setTimeout(route.settings.idleTimeoutMs);
    // Before any client byte: the PROXY header (HAProxy's send-proxy), then what was read to route the connection.
    if (route.settings.proxyProtocol !== 'off') {
      const addresses = { sourceAddress: client.remoteAddress, sourcePort: client.remotePort, destinationAddress: client.localAddress, destinationPort: client.localPort };
      socket.write(proxyProtocolHeader(route.settings.proxyProtocol, addresses));
    }
    if (this.prelude) socket.write(this.prelude);
    // pipe() ends the destination when its source ends (half-close both ways), and resumes a paused client (a TLS route's, after its hello).
    client.pipe(socket);
    socket.pipe(client);
  }

  private onUpstreamTimeout(socket: net.Socket): void {
    if (socket !== this.upstream) return;
    if (this.connected) return this.onIdle();
    socket.destroy();
    const ms = this.route.settings.connectTimeoutMs;
    this.failed(upstreamFailure('timeout', 'connect', `it did not accept the connection within ${ms} ms (connectTimeoutMs).`));
  }

  /** A connect attempt failed: passive health hears it, and another backend is tried while retries last. */
  private failed(failure: UpstreamFailure): void {
    const target = this.target!;
    this.target = undefined;
    this.upstream = undefined;
    this.ctx.inFlight.end(target.id);
    this.ctx.health.recordTraffic(target.id, false, failure.message);
    (this.tried ??= new Set()).add(target.id);
    const next = !this.client.destroyed && this.attempts <= this.route.settings.retries ? this.pick() : undefined;
    // Counted as retried only when another backend takes the connection.
    this.ctx.stats.recordFailure(this.route.id, target.id, next !== undefined);
    if (next) return this.attempt(next);
    // The client has seen nothing but an accepted connection: it sees it closed.
    this.client.destroy();
    this.maybeFinish();
  }

  private readonly onIdle = (): void => {
    this.upstream?.destroy();
    this.client.destroy();
  };

  private readonly onClientClose = (hadError: boolean): void => {
    this.clientClosed = true;
    // Closed cleanly, both directions have ended and the upstream finishes
    // its last writes on its own; broken off, the backend sees a reset. A
    // connect still under way (the client is paused until then, so only our
    // own timeouts get here) is abandoned at once: resetAndDestroy would
    // wait for it to complete.
    if (this.upstream && !this.connected) this.upstream.destroy();
    else if (this.upstream && hadError) this.upstream.resetAndDestroy();
    this.maybeFinish();
  };

  private onUpstreamClose(socket: net.Socket, hadError: boolean): void {
    if (socket !== this.upstream) return;
    const target = this.target!;
    if (this.connected) this.ctx.stats.recordBytes(target.id, socket.bytesWritten, socket.bytesRead);
    this.ctx.inFlight.end(target.id);
    this.target = undefined;
    this.upstream = undefined;
    if (hadError && !this.client.destroyed) this.client.resetAndDestroy();
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || !this.clientClosed || this.upstream) return;
    this.finished = true;
    this.ended(this);
  }
}

function ignore(): void {}
