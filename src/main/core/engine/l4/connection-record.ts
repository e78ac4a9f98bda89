import type { RouteKind } from '../../../../shared/route-kind';
import type { ConnectionEnd } from '../../../../shared/traffic';
import { Choice, noteChoice } from '../balancing/explain-choice';
import type { InFlight } from '../balancing/balancer';
import type { KeptHeaders, SelectionKey } from '../http/message';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import { flagBit, type AttemptNote, type ExchangeNote, type NotedRequest } from '../traffic/exchange-note';
import type { UpstreamFailure } from '../upstream/failures';

// The traffic record of one L4 connection (a TCP route's, a TLS passthrough
// route's; a UDP session has the same shape): the relay tells it what
// happened as it happens, in a few calls that each set a field or two, and
// it goes into the engine's one record ring when the connection has ended.
// Like an HTTP exchange's note, it holds numbers and references to strings
// that live on anyway; sentences are made only when someone reads.

/** Where the record goes: the engine's RecordRing. */
export interface RecordSink {
  readonly wanted: boolean;
  add(note: ExchangeNote): void;
}

/** What the record reads the byte counts from once the connection is over (a net.Socket keeps them after closing). */
interface ByteCounts {
  readonly bytesWritten: number;
  readonly bytesRead: number;
}

const noHeaders: KeptHeaders = [];

export class ConnectionRecord implements ExchangeNote, NotedRequest {
  readonly startedAtEpoch = Date.now();
  private readonly startedAt = performance.now();
  readonly kind: RouteKind;
  readonly host: string;
  readonly method = '';
  readonly url = '';
  readonly protocol: string;
  readonly upgrade = undefined;
  readonly tlsVersion = undefined;
  readonly keptHeaders = noHeaders;
  readonly responseHeaders = noHeaders;
  readonly status = 0;
  flagBits = 0;
  /** To the backend's connect; NaN when none connected. */
  ttfbMs = Number.NaN;
  totalMs = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly upgradeMs = Number.NaN;
  attempts: AttemptNote | AttemptNote[] | undefined;
  end: ConnectionEnd | undefined;
  private upstream: ByteCounts | undefined;

  constructor(
    readonly route: CompiledRoute,
    readonly clientAddress: string,
  ) {
    this.kind = route.kind;
    this.protocol = route.kind;
    this.host = route.host;
  }

  get req(): NotedRequest {
    return this;
  }

  /** A backend was picked and is being dialed; called before it counts itself in flight, so the note quotes the counts the balancer chose on. */
  attempt(key: SelectionKey, target: UpstreamTarget, inFlight: InFlight): void {
    const previous = this.attempts;
    const note: AttemptNote = {
      backendId: target.id,
      url: target.url,
      hostport: target.hostport,
      startMs: performance.now() - this.startedAt,
      durationMs: 0,
      status: 0,
      failure: null,
      after: previous === undefined ? undefined : 'retry',
      choice: Choice.roundRobin,
      count: 0,
      other: -1,
      otherLabel: undefined,
    };
    noteChoice(note, key, this.route, target, inFlight);
    this.attempts = previous === undefined ? note : Array.isArray(previous) ? [...previous, note] : [previous, note];
  }

  private get last(): AttemptNote | undefined {
    const attempts = this.attempts;
    return Array.isArray(attempts) ? attempts.at(-1) : attempts;
  }

  /** The attempt under way failed to connect (refused → UF, timed out → UF with kind timeout, as HTTP's connect phase). */
  failed(failure: UpstreamFailure): void {
    const last = this.last;
    if (!last) return;
    last.failure = failure;
    last.durationMs = performance.now() - this.startedAt - last.startMs;
  }

  /** The backend accepted: its socket's byte counts are read when the connection is over. */
  connected(upstream: ByteCounts): void {
    const now = performance.now() - this.startedAt;
    const last = this.last;
    if (last) last.durationMs = now - last.startMs;
    this.ttfbMs = now;
    this.upstream = upstream;
  }

  /** What ended the connection; the first call wins (a client's FIN before the backend's is "client closed"). */
  ended(end: ConnectionEnd): void {
    this.end ??= end;
  }

  /** The connection is over: the record goes to the ring. */
  finish(records: RecordSink): void {
    this.totalMs = performance.now() - this.startedAt;
    if (this.upstream) {
      this.bytesIn = this.upstream.bytesWritten;
      this.bytesOut = this.upstream.bytesRead;
      this.upstream = undefined;
    }
    const last = this.last;
    if (last === undefined) {
      // Never dialed: none to pick, or refused at the door (max connections says so itself).
      this.end ??= 'no-backend';
      if (this.end === 'no-backend') this.flagBits |= flagBit.UH;
    } else if (Number.isNaN(this.ttfbMs) && last.failure) {
      // Every attempt failed (as HTTP flags an exchange whose attempts ran out: the last failure, URX after retries).
      this.end ??= 'connect-failed';
      this.flagBits |= flagBit[last.failure.flag];
      if (Array.isArray(this.attempts)) this.flagBits |= flagBit.URX;
    } else {
      // A client that left while the backend was being dialed closed it too.
      this.end ??= 'client-closed';
      if (this.end === 'backend-reset') this.flagBits |= flagBit.UC;
    }
    records.add(this);
  }

  /**
   * A connection refused at the door because the route had maxConnections
   * open (net.Server's 'drop'): recorded without a backend, so the Traffic
   * view shows why a client was closed at once.
   */
  static dropped(route: CompiledRoute, clientAddress: string, records: RecordSink): void {
    const record = new ConnectionRecord(route, clientAddress);
    record.ended('max-connections');
    record.finish(records);
  }
}
