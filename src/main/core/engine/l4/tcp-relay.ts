import type net from 'node:net';
import type { SelectionKey } from '../http/message';
import { pickBackend } from '../balancing/balancer';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import { DeadlineSweep, type Watched } from '../upstream/deadline-sweep';
import { socketFailure, upstreamFailure, type UpstreamFailure } from '../upstream/failures';
import { ConnectionRecord } from './connection-record';
import type { L4Context } from './l4-context';
import { proxyProtocolHeader } from './proxy-protocol';

/** A connection carries no HTTP status; the traffic counters take it as an answer without a class. */
const noStatus = 0;

/** What one read from a backend may bring (Node's own read size), read into memory the relay reuses. */
const readBufferSize = 64 * 1024;
/**
 * Read buffers of finished connections, kept for the next ones, so a short
 * connection costs no 64 KiB allocation of its own (nginx keeps its
 * proxy_buffer_size buffers in a pool the same way); past this many they
 * go to the GC.
 */
const maxFreeReadBuffers = 64;
const freeReadBuffers: Buffer[] = [];

/**
 * Every relay's idle timeout, checked by one interval over byte counts
 * rather than by a timer per socket that each read and write re-arms (the
 * HTTP upstreams' DeadlineSweep, for the same reason).
 */
const idleSweep = new DeadlineSweep();

/**
 * One client connection of a TCP route: pick a backend, dial it (a connect
 * failure or timeout goes to another backend before any byte moves, as
 * nginx's stream `proxy_next_upstream on`), then relay bytes both ways,
 * pausing the side whose destination's buffer is full. Each direction ends
 * on its own (half-close), a reset on one side is passed to the other as a
 * reset, and silence on both sockets for the route's idle timeout closes
 * both (nginx's `proxy_timeout`). Not pipe(): its dozen listeners per
 * direction, set up and torn down for every connection, and a fresh 64 KiB
 * buffer for every read from the backend cost a short connection more than
 * the relay's own work (bench/l4-findings.md).
 */
export class TcpRelay implements SelectionKey, Watched {
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
  /** Reads and drains so far, either way: the idle sweep's sign of life. */
  private progress = 0;
  private progressSeen = 0;
  private activeAt = 0;
  private readBuffer: Buffer | undefined;
  /** The client's socket still queues bytes from readBuffer: the next read needs other memory. */
  private readBufferHeld = false;
  /** The traffic record, when anyone keeps or hears records (connection-record.ts). */
  private record: ConnectionRecord | undefined;

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
    if (this.ctx.records.wanted) this.record = new ConnectionRecord(this.route, this.clientAddress);
    this.activeAt = Date.now();
    idleSweep.needs(this.route.settings.idleTimeoutMs);
    idleSweep.add(this);
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
    this.record?.ended('cut');
    this.upstream?.destroy();
    this.client.destroy();
  }

  private attempt(target: UpstreamTarget): void {
    this.attempts += 1;
    this.target = target;
    this.started = performance.now();
    this.record?.attempt(this, target, this.ctx.inFlight.count);
    // Counted from the attempt, so least-connections sees connections being made too.
    this.ctx.inFlight.begin(target.id);
    const onread = { buffer: this.nextReadBuffer, callback: this.fromUpstream };
    const { socket, readsInPlace } = this.ctx.dial(target, { connectTimeoutMs: this.route.settings.connectTimeoutMs, verifyTls: false, allowHalfOpen: true, onread });
    this.upstream = socket;
    // A dialer that does not read in place (a decorated one) hands the bytes over as 'data'.
    if (!readsInPlace) socket.on('data', this.fromUpstreamChunk);
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
    this.record?.connected(socket);
    ctx.health.recordTraffic(target.id, true, '');
    ctx.stats.recordAnswer(route.id, target.id, noStatus, performance.now() - this.started);
    // The socket timer timed the connect; idle time is swept (idleSweep).
    socket.setTimeout(0);
    // Before any client byte: the PROXY header (HAProxy's send-proxy), then what was read to route the connection.
    if (route.settings.proxyProtocol !== 'off') {
      const addresses = { sourceAddress: client.remoteAddress, sourcePort: client.remotePort, destinationAddress: client.localAddress, destinationPort: client.localPort };
      socket.write(proxyProtocolHeader(route.settings.proxyProtocol, addresses));
    }
    if (this.prelude) socket.write(this.prelude);
    // Each side's end ends the other's writing only: half-close both ways.
    client.on('data', this.fromClient);
    client.on('end', () => {
      this.record?.ended('client-closed');
      this.upstream?.end();
    });
    client.on('drain', this.clientDrained);
    socket.on('end', () => {
      this.record?.ended('backend-closed');
      client.end();
    });
    socket.on('drain', this.upstreamDrained);
    // Flowing from now on: reads in place never emit 'data', and the end is seen only by a flowing stream.
    socket.resume();
    // A TLS route's client was paused after its hello was read, and 'data' alone does not resume a paused stream.
    client.resume();
  }

  private onUpstreamTimeout(socket: net.Socket): void {
    if (socket !== this.upstream) return;
    socket.destroy();
    const ms = this.route.settings.connectTimeoutMs;
    this.failed(upstreamFailure('timeout', 'connect', `it did not accept the connection within ${ms} ms (connectTimeoutMs).`));
  }

  /** A connect attempt failed: passive health hears it, and another backend is tried while retries last. */
  private failed(failure: UpstreamFailure): void {
    const target = this.target!;
    this.target = undefined;
    this.upstream = undefined;
    this.record?.failed(failure);
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

  /**
   * Bytes from the client go up as they come (Node's chunk, ours to keep);
   * a backend that cannot take more pauses the client until it drains.
   */
  private readonly fromClient = (chunk: Buffer): void => {
    this.progress += 1;
    if (this.upstream?.write(chunk) === false) this.client.pause();
  };

  /**
   * Bytes from the backend, read into this relay's buffer: written to the
   * client at once, which most often takes them whole; if its socket queues
   * them, the buffer is theirs and the next read goes to fresh memory.
   * Returning false stops reading the backend until the client drains.
   */
  private readonly fromUpstream = (length: number, buffer: Buffer): boolean => {
    this.progress += 1;
    const { client } = this;
    const more = client.write(buffer.subarray(0, length));
    if (client.writableLength > 0) this.readBufferHeld = true;
    return more;
  };

  private readonly fromUpstreamChunk = (chunk: Buffer): void => {
    this.progress += 1;
    if (!this.client.write(chunk)) this.upstream?.pause();
  };

  private readonly nextReadBuffer = (): Buffer => {
    if (this.readBuffer === undefined || this.readBufferHeld) this.readBuffer = freeReadBuffers.pop() ?? Buffer.allocUnsafe(readBufferSize);
    this.readBufferHeld = false;
    return this.readBuffer;
  };

  private readonly clientDrained = (): void => {
    this.progress += 1;
    this.upstream?.resume();
  };

  private readonly upstreamDrained = (): void => {
    this.progress += 1;
    this.client.resume();
  };

  /** For idleSweep: when silence on both sockets since the last read or drain reaches the idle timeout. */
  get deadline(): number {
    if (this.progress !== this.progressSeen) {
      this.progressSeen = this.progress;
      this.activeAt = Date.now();
    }
    return this.activeAt + this.route.settings.idleTimeoutMs;
  }

  /** Idle for the route's idle timeout (nginx's proxy_timeout): both sides closed. */
  timedOut(): void {
    this.record?.ended('idle-timeout');
    this.upstream?.destroy();
    this.client.destroy();
  }

  private readonly onClientClose = (hadError: boolean): void => {
    this.clientClosed = true;
    if (hadError) this.record?.ended('client-reset');
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
    if (hadError) this.record?.ended('backend-reset');
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
    idleSweep.delete(this);
    // Back to the pool unless a client write still holds it (its connection is closed, but the memory is still referenced).
    if (this.readBuffer && !this.readBufferHeld && freeReadBuffers.length < maxFreeReadBuffers) freeReadBuffers.push(this.readBuffer);
    this.readBuffer = undefined;
    this.record?.finish(this.ctx.records);
    this.ended(this);
  }
}

function ignore(): void {}
