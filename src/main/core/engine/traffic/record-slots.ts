import type { RouteKind } from '../../../../shared/route-kind';
import type { CacheOutcome, ConnectionEnd } from '../../../../shared/traffic';
import type { ChoiceKind } from '../balancing/explain-choice';
import type { KeptHeaders } from '../http/message';
import type { UpstreamFailure } from '../upstream/failures';
import type { AttemptNote, ExchangeNote, NotedRequest } from './exchange-note';
import { HeadArena } from './head-arena';
import { PathColumn } from './path-column';
import { StringPool } from './string-pool';

/** Head bytes kept per record on average (a browser's request head with cookies is ~600 B, a dev server's answer ~300 B). */
const headBytesPerRecord = 512;
const noHead = -1;
const listSeparator = '\0';
const noBackend = -1;
/** References are allocated as the ring first fills, doubling from this many slots, so an idle proxy holds none. */
const firstReferenceSlots = 256;

/** A record's numbers, in the order they sit in its row. */
const enum Num {
  Id,
  At,
  Status,
  Flags,
  Ttfb,
  Total,
  Sent,
  Received,
  Upgraded,
  RequestAt,
  RequestLength,
  ResponseAt,
  ResponseLength,
  /** The single attempt's (noBackend when there was none, or a list in Ref.Retried). */
  BackendId,
  AttemptStart,
  AttemptDuration,
  AttemptStatus,
  Choice,
  ChoiceCount,
  ChoiceOther,
  Count,
}

/** A record's references, in the order they sit in its row. */
const enum Ref {
  Route,
  Client,
  Method,
  Host,
  Protocol,
  Upgrade,
  TlsVersion,
  Cache,
  CacheStatus,
  Kind,
  End,
  Retried,
  BackendUrl,
  Hostport,
  Failure,
  OtherLabel,
  Count,
}

/**
 * The ring's memory, sized once (the references grow to it as the ring
 * first fills): each record is a row of numbers in one Float64Array and a
 * row of references in one array, so noting an exchange writes a few
 * neighbouring cache lines. (A column per field, as this was,
 * touched some forty lines ten thousand records apart per exchange, each
 * one likely out of cache by then: a few percent of a small request's CPU
 * under `wrk`.) Noting copies numbers, references to strings that live on
 * anyway (route labels, backend URLs), pooled strings for what repeats
 * (hosts, methods, client addresses), the path's bytes (a PathColumn) and
 * the heads' bytes (a HeadArena): nothing the exchange allocated is kept,
 * so it all dies young and the ring adds no garbage to the old generation.
 * The first attempt lives in the row too; only retried exchanges keep
 * their list of attempts. Read back into records only when asked (this
 * object is the ExchangeNote view of the slot `read` chose).
 */
export class RecordSlots implements ExchangeNote, NotedRequest {
  private readonly nums: Float64Array;
  private refs: unknown[] = [];
  private readonly paths: PathColumn;
  private readonly arena: HeadArena;
  /** Hosts, methods and client addresses repeat: the ring keeps one string each, not every exchange's slice of its head. */
  private readonly clients = new StringPool();
  private readonly methods = new StringPool();
  private readonly hosts = new StringPool();
  /** The slot `read` chose: its row's first number and first reference. */
  private num = 0;
  private ref = 0;
  private slot = 0;

  constructor(readonly capacity: number) {
    this.nums = new Float64Array(capacity * Num.Count);
    this.paths = new PathColumn(capacity);
    this.arena = new HeadArena(capacity * headBytesPerRecord);
  }

  /** The id of the record in `slot` (0 when it holds none). */
  idAt(slot: number): number {
    return this.nums[slot * Num.Count + Num.Id]!;
  }

  /** The id of the route the record in `slot` went to, if any. */
  routeIdAt(slot: number): number | undefined {
    return (this.refs[slot * Ref.Count + Ref.Route] as ExchangeNote['route'])?.id;
  }

  write(slot: number, id: number, note: ExchangeNote): void {
    const nums = this.nums;
    const refs = this.referencesFor(slot);
    const n = slot * Num.Count;
    const r = slot * Ref.Count;
    const req = note.req;
    nums[n + Num.Id] = id;
    nums[n + Num.At] = note.startedAtEpoch;
    nums[n + Num.Status] = note.status;
    nums[n + Num.Flags] = note.flagBits;
    nums[n + Num.Ttfb] = note.ttfbMs;
    nums[n + Num.Total] = note.totalMs;
    nums[n + Num.Sent] = note.bytesIn;
    nums[n + Num.Received] = note.bytesOut;
    nums[n + Num.Upgraded] = note.upgradeMs;
    refs[r + Ref.Route] = note.route;
    refs[r + Ref.Client] = this.clients.intern(req.clientAddress);
    refs[r + Ref.Method] = this.methods.intern(req.method);
    refs[r + Ref.Host] = this.hosts.intern(req.host);
    refs[r + Ref.Protocol] = req.protocol;
    refs[r + Ref.Upgrade] = req.upgrade;
    refs[r + Ref.TlsVersion] = req.tlsVersion;
    refs[r + Ref.Cache] = note.cache;
    refs[r + Ref.CacheStatus] = note.cacheStatus;
    refs[r + Ref.Kind] = note.kind;
    refs[r + Ref.End] = note.end;
    this.paths.write(slot, req.url);
    this.keepHead(n + Num.RequestAt, n + Num.RequestLength, req.keptHeaders);
    this.keepHead(n + Num.ResponseAt, n + Num.ResponseLength, note.responseHeaders);
    this.keepAttempts(n, r, note.attempts);
  }

  /** The references' array, grown to hold `slot` if it does not yet (the numbers' typed array needs no such care: its pages are the kernel's zeroes until written). */
  private referencesFor(slot: number): unknown[] {
    const old = this.refs;
    if ((slot + 1) * Ref.Count <= old.length) return old;
    const slots = Math.min(this.capacity, Math.max(slot + 1, firstReferenceSlots, (2 * old.length) / Ref.Count));
    const grown = new Array<unknown>(slots * Ref.Count).fill(undefined);
    for (let i = 0; i < old.length; i++) grown[i] = old[i];
    this.refs = grown;
    return grown;
  }

  /**
   * Heads go into the arena as text: HTTP/1's as received, a header list
   * (HTTP/2's, as node:http2 gives it) joined by NULs, which no field name
   * or value holds (RFC 9113 §8.2.1), its length stored negative to say so.
   * Keeping the list itself would keep its strings for 10,000 records.
   */
  private keepHead(at: number, length: number, kept: KeptHeaders): void {
    if (typeof kept === 'string') {
      this.nums[at] = this.arena.write(kept);
      this.nums[length] = kept.length;
    } else if (kept.length === 0) {
      this.nums[at] = noHead;
    } else {
      const text = kept.join(listSeparator);
      this.nums[at] = this.arena.write(text);
      this.nums[length] = -text.length;
    }
  }

  private headAt(at: number, length: number): KeptHeaders {
    const start = this.nums[at]!;
    const stored = this.nums[length]!;
    // None kept (noHead reads as nothing), or newer heads took its place in the arena: the record stays, its headers are gone.
    const text = this.arena.read(start, Math.abs(stored));
    if (text === undefined) return [];
    return stored < 0 ? text.split(listSeparator) : text;
  }

  private keepAttempts(n: number, r: number, attempts: ExchangeNote['attempts']): void {
    const nums = this.nums;
    const refs = this.refs;
    if (attempts === undefined || Array.isArray(attempts)) {
      refs[r + Ref.Retried] = attempts;
      nums[n + Num.BackendId] = noBackend;
      refs[r + Ref.BackendUrl] = undefined;
      refs[r + Ref.Hostport] = undefined;
      refs[r + Ref.Failure] = null;
      refs[r + Ref.OtherLabel] = undefined;
      return;
    }
    refs[r + Ref.Retried] = undefined;
    nums[n + Num.BackendId] = attempts.backendId;
    refs[r + Ref.BackendUrl] = attempts.url;
    refs[r + Ref.Hostport] = attempts.hostport;
    nums[n + Num.AttemptStart] = attempts.startMs;
    nums[n + Num.AttemptDuration] = attempts.durationMs;
    nums[n + Num.AttemptStatus] = attempts.status;
    refs[r + Ref.Failure] = attempts.failure;
    nums[n + Num.Choice] = attempts.choice;
    nums[n + Num.ChoiceCount] = attempts.count;
    nums[n + Num.ChoiceOther] = attempts.other;
    refs[r + Ref.OtherLabel] = attempts.otherLabel;
  }

  /** This object, reading `slot`, as an ExchangeNote (for recordOf). */
  read(slot: number): this {
    this.slot = slot;
    this.num = slot * Num.Count;
    this.ref = slot * Ref.Count;
    return this;
  }

  private number(field: Num): number {
    return this.nums[this.num + field]!;
  }

  private reference<T>(field: Ref): T {
    return this.refs[this.ref + field] as T;
  }

  get startedAtEpoch(): number {
    return this.number(Num.At);
  }
  get route(): ExchangeNote['route'] {
    return this.reference(Ref.Route);
  }
  get req(): NotedRequest {
    return this;
  }
  get clientAddress(): string {
    return this.reference(Ref.Client);
  }
  get method(): string {
    return this.reference(Ref.Method);
  }
  get host(): string {
    return this.reference(Ref.Host);
  }
  /** The path with its query already redacted (all a record keeps). */
  get url(): string {
    return this.paths.read(this.slot);
  }
  get protocol(): string {
    return this.reference(Ref.Protocol);
  }
  get upgrade(): string | undefined {
    return this.reference(Ref.Upgrade);
  }
  get tlsVersion(): string | undefined {
    return this.reference(Ref.TlsVersion);
  }
  get status(): number {
    return this.number(Num.Status);
  }
  get flagBits(): number {
    return this.number(Num.Flags);
  }
  get ttfbMs(): number {
    return this.number(Num.Ttfb);
  }
  get totalMs(): number {
    return this.number(Num.Total);
  }
  get bytesIn(): number {
    return this.number(Num.Sent);
  }
  get bytesOut(): number {
    return this.number(Num.Received);
  }
  get upgradeMs(): number {
    return this.number(Num.Upgraded);
  }
  get cache(): CacheOutcome | null | undefined {
    return this.reference(Ref.Cache);
  }
  get cacheStatus(): string | undefined {
    return this.reference(Ref.CacheStatus);
  }
  get kind(): RouteKind | undefined {
    return this.reference(Ref.Kind);
  }
  get end(): ConnectionEnd | undefined {
    return this.reference(Ref.End);
  }

  get keptHeaders(): KeptHeaders {
    return this.headAt(this.num + Num.RequestAt, this.num + Num.RequestLength);
  }

  get responseHeaders(): KeptHeaders {
    return this.headAt(this.num + Num.ResponseAt, this.num + Num.ResponseLength);
  }

  get attempts(): ExchangeNote['attempts'] {
    const retried = this.reference<AttemptNote[] | undefined>(Ref.Retried);
    if (retried || this.number(Num.BackendId) === noBackend) return retried;
    return {
      backendId: this.number(Num.BackendId),
      url: this.reference(Ref.BackendUrl),
      hostport: this.reference(Ref.Hostport),
      startMs: this.number(Num.AttemptStart),
      durationMs: this.number(Num.AttemptDuration),
      status: this.number(Num.AttemptStatus),
      failure: this.reference<UpstreamFailure | null>(Ref.Failure) ?? null,
      after: undefined,
      choice: this.number(Num.Choice) as ChoiceKind,
      count: this.number(Num.ChoiceCount),
      other: this.number(Num.ChoiceOther),
      otherLabel: this.reference(Ref.OtherLabel),
    };
  }

  /** Drops the slot's references so what it held can be collected. */
  forget(slot: number): void {
    this.nums[slot * Num.Count + Num.Id] = 0;
    this.refs.fill(undefined, slot * Ref.Count, (slot + 1) * Ref.Count);
    this.paths.forget(slot);
  }
}
