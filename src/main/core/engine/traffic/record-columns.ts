import type { RouteKind } from '../../../../shared/route-kind';
import type { CacheOutcome, ConnectionEnd } from '../../../../shared/traffic';
import type { ChoiceKind } from '../balancing/explain-choice';
import type { KeptHeaders } from '../http/message';
import type { UpstreamFailure } from '../upstream/failures';
import type { AttemptNote, ExchangeNote, NotedRequest } from './exchange-note';
import { HeadArena } from './head-arena';

/** Head bytes kept per record on average (a browser's request head with cookies is ~600 B, a dev server's answer ~300 B). */
const headBytesPerRecord = 512;
const noHead = -1;
const noBackend = -1;

/**
 * The ring's memory, one typed array or reference array per field, sized
 * once. Noting an exchange copies numbers, references to strings that live
 * on anyway (route labels, backend URLs, the client's address) and the
 * heads' bytes (into a HeadArena) into its slot: nothing the exchange
 * allocated is kept, so it all dies young, and the ring adds no garbage to
 * the old generation. The first attempt lives in columns too; only retried
 * exchanges keep their list of attempts. Read back into records only when
 * asked (this object is the ExchangeNote view of the slot `read` chose).
 */
export class RecordColumns implements ExchangeNote, NotedRequest {
  readonly id: Float64Array;
  readonly at: Float64Array;
  readonly statuses: Uint16Array;
  readonly flags: Uint16Array;
  readonly ttfb: Float64Array;
  readonly total: Float64Array;
  readonly sent: Float64Array;
  readonly received: Float64Array;
  readonly upgraded: Float64Array;
  readonly routes: (ExchangeNote['route'] | undefined)[];
  readonly clients: string[];
  readonly methods: string[];
  readonly hosts: string[];
  readonly urls: string[];
  readonly protocols: string[];
  readonly upgrades: (string | undefined)[];
  readonly tlsVersions: (string | undefined)[];
  /** What the cache did, and its Cache-Status (a reference to the string sent). */
  private readonly cacheOutcomes: (CacheOutcome | null | undefined)[];
  private readonly cacheStatuses: (string | undefined)[];
  /** An L4 connection's kind and end (undefined for HTTP exchanges). */
  private readonly kinds: (RouteKind | undefined)[];
  private readonly ends: (ConnectionEnd | undefined)[];
  /** Heads: where in the arena (absolute) and how long; or a reference when a protocol keeps a header list. */
  private readonly requestAt: Float64Array;
  private readonly requestLength: Uint32Array;
  private readonly requestLists: (readonly string[] | undefined)[];
  private readonly responseAt: Float64Array;
  private readonly responseLength: Uint32Array;
  private readonly responseLists: (readonly string[] | undefined)[];
  private readonly arena: HeadArena;
  /** A retried exchange's attempts; a single attempt is in the columns below (backendIds is noBackend when there was none). */
  private readonly retried: (AttemptNote[] | undefined)[];
  private readonly backendIds: Int32Array;
  private readonly backendUrls: (string | undefined)[];
  private readonly hostports: (string | undefined)[];
  private readonly attemptStart: Float64Array;
  private readonly attemptDuration: Float64Array;
  private readonly attemptStatus: Uint16Array;
  private readonly failures: (UpstreamFailure | null)[];
  private readonly choices: Uint8Array;
  private readonly choiceCount: Int32Array;
  private readonly choiceOther: Int32Array;
  private readonly otherLabels: (string | undefined)[];
  private slot = 0;

  constructor(readonly capacity: number) {
    const float = () => new Float64Array(capacity);
    const refs = <T>() => new Array<T>(capacity);
    this.id = float();
    this.at = float();
    this.statuses = new Uint16Array(capacity);
    this.flags = new Uint16Array(capacity);
    this.ttfb = float();
    this.total = float();
    this.sent = float();
    this.received = float();
    this.upgraded = float();
    this.routes = refs();
    this.clients = refs();
    this.methods = refs();
    this.hosts = refs();
    this.urls = refs();
    this.protocols = refs();
    this.upgrades = refs();
    this.tlsVersions = refs();
    this.cacheOutcomes = refs();
    this.cacheStatuses = refs();
    this.kinds = refs();
    this.ends = refs();
    this.requestAt = float();
    this.requestLength = new Uint32Array(capacity);
    this.requestLists = refs();
    this.responseAt = float();
    this.responseLength = new Uint32Array(capacity);
    this.responseLists = refs();
    this.arena = new HeadArena(capacity * headBytesPerRecord);
    this.retried = refs();
    this.backendIds = new Int32Array(capacity);
    this.backendUrls = refs();
    this.hostports = refs();
    this.attemptStart = float();
    this.attemptDuration = float();
    this.attemptStatus = new Uint16Array(capacity);
    this.failures = refs();
    this.choices = new Uint8Array(capacity);
    this.choiceCount = new Int32Array(capacity);
    this.choiceOther = new Int32Array(capacity);
    this.otherLabels = refs();
  }

  write(slot: number, id: number, note: ExchangeNote): void {
    this.id[slot] = id;
    this.at[slot] = note.startedAtEpoch;
    this.statuses[slot] = note.status;
    this.flags[slot] = note.flagBits;
    this.ttfb[slot] = note.ttfbMs;
    this.total[slot] = note.totalMs;
    this.sent[slot] = note.bytesIn;
    this.received[slot] = note.bytesOut;
    this.upgraded[slot] = note.upgradeMs;
    this.routes[slot] = note.route;
    const req = note.req;
    this.clients[slot] = req.clientAddress;
    this.methods[slot] = req.method;
    this.hosts[slot] = req.host;
    this.urls[slot] = req.url;
    this.protocols[slot] = req.protocol;
    this.upgrades[slot] = req.upgrade;
    this.tlsVersions[slot] = req.tlsVersion;
    this.cacheOutcomes[slot] = note.cache;
    this.cacheStatuses[slot] = note.cacheStatus;
    this.kinds[slot] = note.kind;
    this.ends[slot] = note.end;
    this.keepHead(slot, req.keptHeaders, this.requestAt, this.requestLength, this.requestLists);
    this.keepHead(slot, note.responseHeaders, this.responseAt, this.responseLength, this.responseLists);
    this.keepAttempts(slot, note.attempts);
  }

  /** Head text goes into the arena; a header list (a protocol without head text) is kept as it is. */
  private keepHead(slot: number, kept: KeptHeaders, at: Float64Array, length: Uint32Array, lists: (readonly string[] | undefined)[]): void {
    if (typeof kept === 'string') {
      at[slot] = this.arena.write(kept);
      length[slot] = kept.length;
      lists[slot] = undefined;
    } else {
      at[slot] = noHead;
      length[slot] = 0;
      lists[slot] = kept.length > 0 ? kept : undefined;
    }
  }

  private headAt(slot: number, at: Float64Array, length: Uint32Array, lists: (readonly string[] | undefined)[]): KeptHeaders {
    if (at[slot] === noHead) return lists[slot] ?? [];
    // Newer heads have taken its place in the arena: the record stays, its headers are gone.
    return this.arena.read(at[slot]!, length[slot]!) ?? [];
  }

  private keepAttempts(slot: number, attempts: ExchangeNote['attempts']): void {
    if (attempts === undefined || Array.isArray(attempts)) {
      this.retried[slot] = attempts;
      this.backendIds[slot] = noBackend;
      this.backendUrls[slot] = undefined;
      this.hostports[slot] = undefined;
      this.failures[slot] = null;
      this.otherLabels[slot] = undefined;
      return;
    }
    this.retried[slot] = undefined;
    this.backendIds[slot] = attempts.backendId;
    this.backendUrls[slot] = attempts.url;
    this.hostports[slot] = attempts.hostport;
    this.attemptStart[slot] = attempts.startMs;
    this.attemptDuration[slot] = attempts.durationMs;
    this.attemptStatus[slot] = attempts.status;
    this.failures[slot] = attempts.failure;
    this.choices[slot] = attempts.choice;
    this.choiceCount[slot] = attempts.count;
    this.choiceOther[slot] = attempts.other;
    this.otherLabels[slot] = attempts.otherLabel;
  }

  /** This object, reading `slot`, as an ExchangeNote (for recordOf). */
  read(slot: number): this {
    this.slot = slot;
    return this;
  }

  get startedAtEpoch(): number {
    return this.at[this.slot]!;
  }
  get route(): ExchangeNote['route'] {
    return this.routes[this.slot];
  }
  get req(): NotedRequest {
    return this;
  }
  get clientAddress(): string {
    return this.clients[this.slot]!;
  }
  get method(): string {
    return this.methods[this.slot]!;
  }
  get host(): string {
    return this.hosts[this.slot]!;
  }
  get url(): string {
    return this.urls[this.slot]!;
  }
  get protocol(): string {
    return this.protocols[this.slot]!;
  }
  get upgrade(): string | undefined {
    return this.upgrades[this.slot];
  }
  get tlsVersion(): string | undefined {
    return this.tlsVersions[this.slot];
  }
  get status(): number {
    return this.statuses[this.slot]!;
  }
  get flagBits(): number {
    return this.flags[this.slot]!;
  }
  get ttfbMs(): number {
    return this.ttfb[this.slot]!;
  }
  get totalMs(): number {
    return this.total[this.slot]!;
  }
  get bytesIn(): number {
    return this.sent[this.slot]!;
  }
  get bytesOut(): number {
    return this.received[this.slot]!;
  }
  get upgradeMs(): number {
    return this.upgraded[this.slot]!;
  }
  get cache(): CacheOutcome | null | undefined {
    return this.cacheOutcomes[this.slot];
  }
  get cacheStatus(): string | undefined {
    return this.cacheStatuses[this.slot];
  }
  get kind(): RouteKind | undefined {
    return this.kinds[this.slot];
  }
  get end(): ConnectionEnd | undefined {
    return this.ends[this.slot];
  }

  get keptHeaders(): KeptHeaders {
    return this.headAt(this.slot, this.requestAt, this.requestLength, this.requestLists);
  }

  get responseHeaders(): KeptHeaders {
    return this.headAt(this.slot, this.responseAt, this.responseLength, this.responseLists);
  }

  get attempts(): ExchangeNote['attempts'] {
    const slot = this.slot;
    if (this.retried[slot] || this.backendIds[slot] === noBackend) return this.retried[slot];
    return {
      backendId: this.backendIds[slot]!,
      url: this.backendUrls[slot]!,
      hostport: this.hostports[slot]!,
      startMs: this.attemptStart[slot]!,
      durationMs: this.attemptDuration[slot]!,
      status: this.attemptStatus[slot]!,
      failure: this.failures[slot] ?? null,
      after: undefined,
      choice: this.choices[slot] as ChoiceKind,
      count: this.choiceCount[slot]!,
      other: this.choiceOther[slot]!,
      otherLabel: this.otherLabels[slot],
    };
  }

  /** Drops references so what a slot held can be collected. */
  forget(slot: number): void {
    this.id[slot] = 0;
    this.routes[slot] = undefined;
    this.requestLists[slot] = undefined;
    this.responseLists[slot] = undefined;
    this.retried[slot] = undefined;
    this.failures[slot] = null;
    this.cacheStatuses[slot] = undefined;
  }
}
