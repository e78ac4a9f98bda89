import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ConnectionEnd } from '../../../../shared/traffic';
import type { SelectionKey } from '../http/message';
import { pickBackend } from '../balancing/balancer';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import { upstreamFailure } from '../upstream/failures';
import { ConnectionRecord } from './connection-record';
import type { L4Context } from './l4-context';

/** A datagram carries no HTTP status; the traffic counters take a session's first reply as an answer without a class. */
const noStatus = 0;

/**
 * Datagrams a session holds while its upstream socket connects (resolving a
 * backend's name takes a lookup); past this they are dropped, as a full
 * socket buffer drops them. UDP promises no delivery, so a client retries.
 */
const maxPending = 16;

/** Where a session's replies go and who hears that it ended: the route's listener. */
export interface SessionOwner {
  /** Sends a backend's reply to the client from the route's socket. */
  reply(session: UdpSession, datagram: Buffer): void;
  ended(session: UdpSession): void;
}

/**
 * The datagrams of one client address:port on a UDP route (nginx stream's
 * UDP session). The first datagram picks a backend with the route's
 * balancer; later ones go to the same backend through a connected socket of
 * the session's own, so the backend's replies come back on it and only from
 * that backend. The session ends after the route's idle timeout without a
 * datagram either way (nginx's proxy_timeout), or once it has had
 * udpResponses replies for every datagram it sent (nginx's proxy_responses).
 * An ICMP port unreachable on the upstream socket (ECONNREFUSED) is a failed
 * attempt for passive health and sends the next datagram to another backend.
 */
export class UdpSession implements SelectionKey {
  readonly path = undefined;
  /** The listener's key for it: address:port. */
  readonly key: string;
  private upstream: dgram.Socket | undefined;
  private target: UpstreamTarget | undefined;
  private connected = false;
  private pending: Buffer[] = [];
  /** Backends that failed this session: the next pick avoids them while another is left. */
  private tried: Set<number> | undefined;
  /** Datagrams sent to the current backend and replies from it (nginx's u->requests and u->responses). */
  private sent = 0;
  private replies = 0;
  private firstSentAt = 0;
  private readonly idle: NodeJS.Timeout;
  private finished = false;
  /** The traffic record, when anyone keeps or hears records (connection-record.ts): one per session, at its end. */
  private readonly record: ConnectionRecord | undefined;
  /** Bytes each way over the whole session, whichever backends it had: what its record shows. */
  private bytesSent = 0;
  private bytesReceived = 0;

  constructor(
    readonly clientAddress: string,
    readonly clientPort: number,
    /** The route as the session began: its idle timeout and udpResponses apply to the whole session. */
    private readonly route: CompiledRoute,
    private readonly ctx: L4Context,
    private readonly owner: SessionOwner,
  ) {
    this.key = `${clientAddress}:${clientPort}`;
    ctx.stats.recordRequest(route.id);
    if (ctx.records.wanted) this.record = new ConnectionRecord(route, clientAddress);
    this.idle = setTimeout(this.onIdle, route.settings.idleTimeoutMs);
    this.idle.unref();
  }

  header(): undefined {
    return undefined;
  }

  /** The backend the session's datagrams go to now, if any. */
  get backendId(): number | undefined {
    return this.target?.id;
  }

  /** Relays a client datagram; false when no backend can take it (it is dropped). */
  fromClient(datagram: Buffer): boolean {
    this.idle.refresh();
    if (!this.target && !this.attach()) return false;
    if (this.connected) this.send(datagram);
    else if (this.pending.length < maxPending) this.pending.push(datagram);
    return true;
  }

  /** Ends the session now, for the reason its record gives: its socket closes and its backend's count drops. */
  end(why?: ConnectionEnd): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.idle);
    this.detach();
    this.owner.ended(this);
    const { record } = this;
    if (!record) return;
    // Without one, the record says from its attempts why: no backend, or every one failed.
    if (why) record.ended(why);
    record.bytesIn = this.bytesSent;
    record.bytesOut = this.bytesReceived;
    record.finish(this.ctx.records);
  }

  /** The session's bytes, as the record reads a socket's (ConnectionRecord.connected). */
  get bytesWritten(): number {
    return this.bytesSent;
  }

  get bytesRead(): number {
    return this.bytesReceived;
  }

  private attach(): boolean {
    const { ctx } = this;
    // The current table: backends switched off or failed since the session began are no longer offered.
    const route = ctx.table().route(this.route.id) ?? this.route;
    let target = pickBackend(this, route, ctx.selection, ctx.inFlight.count, this.tried);
    if (!target && this.tried) {
      // Every backend failed this session once: start over rather than drop its datagrams for good.
      this.tried = undefined;
      target = pickBackend(this, route, ctx.selection, ctx.inFlight.count);
    }
    if (!target) return false;
    this.record?.attempt(this, target, ctx.inFlight.count);
    this.target = target;
    this.sent = 0;
    this.replies = 0;
    this.connected = false;
    // Counted from the pick, so least-connections sees sessions being set up too.
    ctx.inFlight.begin(target.id);
    const socket = dgram.createSocket(isIPv6(target.hostname) ? 'udp6' : 'udp4');
    this.upstream = socket;
    // Bound to this socket: a failed backend's late events must not touch the next one.
    socket.on('message', (reply) => this.fromBackend(socket, reply));
    socket.on('error', (error: NodeJS.ErrnoException) => this.onUpstreamError(socket, error));
    socket.connect(target.port, target.hostname, (error?: Error) => {
      if (error) this.onUpstreamError(socket, error);
      else this.onConnect(socket);
    });
    return true;
  }

  private onConnect(socket: dgram.Socket): void {
    if (socket !== this.upstream) return;
    this.connected = true;
    const pending = this.pending;
    this.pending = [];
    for (const datagram of pending) this.send(datagram);
  }

  private send(datagram: Buffer): void {
    const { upstream, target } = this;
    if (!upstream || !target) return;
    if (this.sent === 0) this.firstSentAt = performance.now();
    this.sent += 1;
    upstream.send(datagram, (error) => {
      // Counted once the kernel took it: a datagram it refused never reached the backend.
      if (error) return this.notSent(upstream, error);
      this.bytesSent += datagram.length;
      this.ctx.stats.recordDatagram(target.id, true, datagram.length);
    });
  }

  /**
   * A send the kernel refused. A pending ICMP error can surface here rather
   * than on a read; anything else (EMSGSIZE for a datagram too large for the
   * path, ENOBUFS) loses only that datagram, which expects no reply then.
   */
  private notSent(socket: dgram.Socket, error: NodeJS.ErrnoException): void {
    if (socket !== this.upstream) return;
    if (error.code === 'ECONNREFUSED') return this.onUpstreamError(socket, error);
    this.sent -= 1;
  }

  private fromBackend(socket: dgram.Socket, reply: Buffer): void {
    const { target, ctx, route } = this;
    if (socket !== this.upstream || !target) return;
    this.idle.refresh();
    this.replies += 1;
    this.bytesReceived += reply.length;
    if (this.replies === 1) {
      // The first reply is a UDP session's "connected": its time is the record's time to first byte.
      this.record?.connected(this);
      ctx.health.recordTraffic(target.id, true, '');
      ctx.stats.recordAnswer(route.id, target.id, noStatus, performance.now() - this.firstSentAt);
    }
    ctx.stats.recordDatagram(target.id, false, reply.length);
    this.owner.reply(this, reply);
    const expected = route.settings.udpResponses;
    if (expected > 0 && this.replies >= expected * this.sent) this.end('replies-received');
  }

  private onUpstreamError(socket: dgram.Socket, error: NodeJS.ErrnoException): void {
    if (socket !== this.upstream) return;
    const target = this.target!;
    const detail =
      error.code === 'ECONNREFUSED'
        ? `ICMP port unreachable from ${target.hostname}:${target.port} (nothing listens there)`
        : `${error.code ?? error.message} ${target.hostname}:${target.port}`;
    this.failed(detail);
  }

  /** The current backend failed: passive health hears it, and the next datagram picks another. */
  private failed(detail: string): void {
    const target = this.target!;
    // A closed port refuses as a TCP connect would: UF in the record, as HTTP and TCP attempts.
    this.record?.failed(upstreamFailure('refused', 'connect', `${detail}.`));
    this.detach();
    const { ctx } = this;
    ctx.health.recordTraffic(target.id, false, detail);
    const tried = (this.tried ??= new Set());
    tried.add(target.id);
    const route = ctx.table().route(this.route.id) ?? this.route;
    const another = route.candidates.some((c) => !tried.has(c.id)) || route.reserve.some((c) => !tried.has(c.id));
    ctx.stats.recordFailure(route.id, target.id, another);
  }

  /**
   * Silence for the idle timeout ends the session. With udpResponses set and
   * replies still owed, the backend failed to answer: nginx ends such a
   * session as "upstream timed out" (a failure), and so does passive health here.
   */
  private readonly onIdle = (): void => {
    const { target, route } = this;
    const expected = route.settings.udpResponses;
    if (target && expected > 0 && this.replies < expected * this.sent) {
      const detail = `no reply within ${route.settings.idleTimeoutMs} ms (idleTimeoutMs)`;
      this.record?.failed(upstreamFailure('timeout', 'head', `${detail}.`));
      this.ctx.health.recordTraffic(target.id, false, detail);
      this.ctx.stats.recordFailure(route.id, target.id, false);
    }
    this.end('idle-timeout');
  };

  private detach(): void {
    const { upstream, target } = this;
    if (!upstream || !target) return;
    this.upstream = undefined;
    this.target = undefined;
    this.connected = false;
    this.pending = [];
    upstream.close();
    this.ctx.inFlight.end(target.id);
  }
}
