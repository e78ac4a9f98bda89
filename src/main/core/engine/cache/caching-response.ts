import type { CacheOutcome } from '../../../../shared/traffic';
import type { ResponseListener, ResponseMessage } from '../http/message';
import type { Directives } from './cache-control';
import { parseCacheControl } from './cache-control';
import { cacheStatus, type Forward } from './cache-status';
import { entrySize, type CacheEntry, type EntryFill, type EntryWithoutBody } from './cache-store';
import { ageHeaderSeconds, currentAge, freshnessLifetime, httpDateSeconds } from './freshness';
import { headerOf, withoutHeaders } from './header-list';
import { staleOnError } from './reuse';
import { storability } from './storable';
import { varyNames, varyValues } from './vary';
import type { HttpCache } from './http-cache';
import type { RequestMessage } from '../http/message';

export type { CacheOutcome };

/** What an Exchange asks of the cache in front of it (exchange.ts). */
export interface CacheSeam {
  readonly outcome: CacheOutcome;
  /** The Cache-Status value sent, once a head was. */
  readonly statusValue: string | undefined;
  /** The request headers for the backend: the client's conditionals replaced by the stored response's validators. */
  upstreamHeaders(headers: string[]): string[];
  /** Every backend is down or failed before answering: the status of the stored response sent instead, or 0 when none may be. */
  answerWhenDown(): number;
}

export interface SeamOptions {
  /** fill: a GET that may be stored; pass: forwarded, nothing stored; invalidate: an unsafe method (RFC 9111 §4.4). */
  mode: 'fill' | 'pass' | 'invalidate';
  fwd: Forward;
  detail: string | undefined;
  collapsed: boolean;
  key: string;
  lockKey: string;
  ownsLock: boolean;
  /** The stored response this request found but could not use as it is: revalidated, or served when the backends are down. */
  stored: CacheEntry | undefined;
  requestDirectives: Directives;
  routeId: number;
  serveStaleWhenDown: boolean;
}

/**
 * Headers a cache fill does not forward: it asks for the whole response,
 * conditionally only on its own validators, as nginx's proxy_cache clears
 * If-Modified-Since, If-None-Match, If-Match, If-Unmodified-Since, Range and
 * If-Range (ngx_http_proxy_cache_headers).
 */
const clientConditionals = new Set(['if-modified-since', 'if-none-match', 'if-match', 'if-unmodified-since', 'range', 'if-range']);
/** Not stored with the response: framing and per-answer fields the cache writes anew, and the backend the first answer came from. */
const unstoredHeaders = new Set(['content-length', 'age', 'cache-status', 'x-switchyard-backend']);
/**
 * §3.2: a 304 updates every stored header but these; and not Set-Cookie,
 * which is one client's (a sticky cookie, a session) and would go to every
 * later hit: a response is stored with Set-Cookie only when s-maxage says so.
 */
const keptOn304 = new Set(['content-length', 'cache-status', 'x-switchyard-backend', 'age', 'set-cookie']);
/** RFC 5861 §4: the errors stale-if-error stands in for. */
const serverErrors = new Set([500, 502, 503, 504]);
/** The stored copy chosen to answer could not be read from disk, after the backend had its turn: a gateway that cannot answer. */
const unreadableStatus = 502;

/**
 * The client's response as a cache fill sees it: an Exchange writes the
 * backend's answer here as it would to the client, and it passes through
 * unchanged but for Cache-Status, with each chunk copied into the cache
 * when the head said it may be stored (the body streams to the client as it
 * is stored). A 304 to a revalidation, or a 5xx where stale-if-error allows,
 * is answered from the store instead.
 */
export class CachingResponse implements ResponseMessage, ResponseListener, CacheSeam {
  outcome: CacheOutcome;
  statusValue: string | undefined;
  /** The body on its way into the store, while it may still be kept. */
  private fill: EntryFill | undefined;
  private bytes = 0;
  /** A body sent from a file listens here for the client's drain and close (the exchange listens to `inner` through this seam). */
  private pump: ResponseListener | undefined;
  private head:
    | { status: number; reason: string | undefined; headers: string[]; age: number; requestTimeMs: number; responseTimeMs: number }
    | undefined;
  /** The store answered (a 304 or a stale stand-in): what the exchange still writes is dropped. */
  private answered = false;
  /** The store answered while the exchange still reads the backend: the exchange hears the close when it is done. */
  private exchangeReading = false;
  private closePending = false;
  private listener: ResponseListener | undefined;
  private lockHeld: boolean;
  private failoverDetail: string | undefined;
  private readonly requestTimeMs: number;

  constructor(
    private readonly inner: ResponseMessage,
    private readonly req: RequestMessage,
    private readonly cache: HttpCache,
    private readonly options: SeamOptions,
  ) {
    this.lockHeld = options.ownsLock;
    this.outcome = options.mode !== 'fill' && options.mode !== 'pass' ? 'bypass' : options.fwd === 'stale' ? 'stale' : options.fwd === 'method' ? 'bypass' : 'miss';
    this.requestTimeMs = cache.now();
  }

  get headersSent(): boolean {
    return this.answered || this.inner.headersSent;
  }

  get destroyed(): boolean {
    return this.inner.destroyed;
  }

  upstreamHeaders(headers: string[]): string[] {
    if (this.options.mode !== 'fill') return headers;
    const out = withoutHeaders(headers, clientConditionals);
    const stored = this.options.stored;
    if (stored?.etag) out.push('If-None-Match', stored.etag);
    if (stored?.lastModified) out.push('If-Modified-Since', stored.lastModified);
    return out;
  }

  writeHead(status: number, reason: string | undefined, headers: readonly string[]): void {
    const { options } = this;
    const stored = options.stored;
    if (options.mode === 'invalidate') {
      // §4.4: a non-error answer to an unsafe method invalidates the URL, and Location/Content-Location on the same host.
      if (status < 400) this.cache.invalidateAfter(options.routeId, this.req, headers);
      return this.send(status, reason, headers, { fwd: 'method', fwdStatus: status });
    }
    if (this.failoverDetail !== undefined) return this.send(status, reason, headers, { fwd: options.fwd, detail: this.failoverDetail });
    if (options.mode === 'fill' && stored && status === 304) return this.refresh(stored, headers);
    if (options.mode === 'fill' && stored && serverErrors.has(status)) {
      const now = this.cache.now();
      const decision = staleOnError(stored, currentAge(stored.times, now), options.requestDirectives, false);
      if (decision.serve) {
        this.exchangeReading = true;
        return this.answerFromStore(stored, { fwd: 'stale', fwdStatus: status, detail: `stale-if-error: the backend answered ${status}` });
      }
    }
    if (options.mode !== 'fill') return this.send(status, reason, headers, { fwd: options.fwd, fwdStatus: status, collapsed: options.collapsed, detail: options.detail });
    const now = this.cache.now();
    const responseDirectives = parseCacheControl(headerOf(headers, 'cache-control'));
    const length = headerOf(headers, 'content-length');
    const decision = storability({
      method: this.req.method,
      status,
      request: options.requestDirectives,
      response: responseDirectives,
      hasAuthorization: this.req.header('authorization') !== undefined,
      hasSetCookie: headerOf(headers, 'set-cookie') !== undefined,
      vary: headerOf(headers, 'vary'),
      etag: headerOf(headers, 'etag'),
      contentLength: length === undefined ? undefined : Number(length),
      maxEntryBytes: this.cache.storeOf(options.routeId).maxEntryBytes,
      responseTimeMs: now,
      date: headerOf(headers, 'date'),
      expires: headerOf(headers, 'expires'),
      lastModified: headerOf(headers, 'last-modified'),
    });
    // A disk that refuses the file (read-only, not ours) is known before the head goes out, so Cache-Status can say so.
    const fill = decision.store ? this.cache.storeOf(options.routeId).openFill() : undefined;
    const why = decision.store ? (typeof fill === 'string' ? `not stored: ${fill}` : options.detail) : decision.why;
    if (fill !== undefined && typeof fill !== 'string') {
      this.fill = fill;
      this.head = { status, reason, headers: this.storedHeaders(headers, responseDirectives), age: ageHeaderSeconds(headerOf(headers, 'age')), requestTimeMs: this.requestTimeMs, responseTimeMs: now };
    } else {
      // Requests waiting on this one go to the backend themselves, without queueing again.
      this.release(false);
    }
    this.send(status, reason, headers, {
      fwd: options.fwd,
      fwdStatus: status,
      stored: this.fill !== undefined,
      collapsed: options.collapsed,
      detail: why,
    });
  }

  write(chunk: Buffer | string): boolean {
    if (this.answered) return true;
    this.keep(chunk);
    return this.inner.write(chunk);
  }

  end(chunk?: Buffer | string): void {
    if (this.answered) {
      this.exchangeReading = false;
      if (this.closePending) this.closed();
      return;
    }
    if (chunk !== undefined) this.keep(chunk);
    this.commit();
    this.inner.end(chunk);
  }

  destroy(): void {
    this.dropFill();
    this.release(true);
    if (this.answered) {
      this.exchangeReading = false;
      if (this.closePending) this.closed();
      return;
    }
    this.inner.destroy();
  }

  holdsChunks(): boolean {
    return !this.answered && this.inner.holdsChunks();
  }

  listen(listener: ResponseListener): void {
    this.listener = listener;
    this.inner.listen(this);
  }

  responseDrained(): void {
    this.pump?.responseDrained();
    this.listener?.responseDrained();
  }

  responseClosed(): void {
    this.pump?.responseClosed();
    this.pump = undefined;
    // The client went away (or its response ended): a fill not yet committed never will be.
    if (!this.answered) {
      this.dropFill();
      this.release(true);
    }
    if (this.exchangeReading) this.closePending = true;
    else this.closed();
  }

  answerWhenDown(): number {
    const { stored, mode, serveStaleWhenDown, requestDirectives } = this.options;
    if (mode !== 'fill' || !stored) {
      this.failoverDetail = 'all backends down; nothing stored for this URL to serve instead';
      return 0;
    }
    const decision = staleOnError(stored, currentAge(stored.times, this.cache.now()), requestDirectives, serveStaleWhenDown);
    if (!decision.serve) {
      this.failoverDetail = `all backends down; ${decision.why}`;
      return 0;
    }
    // The exchange hears the close after it has noted the status this returns (its record is written at the close).
    this.exchangeReading = true;
    this.answerFromStore(stored, { fwd: 'stale', detail: 'all backends down' });
    queueMicrotask(() => {
      this.exchangeReading = false;
      if (this.closePending) this.closed();
    });
    return stored.status;
  }

  private closed(): void {
    this.closePending = false;
    const listener = this.listener;
    this.listener = undefined;
    listener?.responseClosed();
  }

  private send(status: number, reason: string | undefined, headers: readonly string[], parts: Parameters<typeof cacheStatus>[0]): void {
    this.statusValue = cacheStatus(parts);
    this.inner.writeHead(status, reason, [...headers, 'Cache-Status', this.statusValue]);
  }

  /** §3.2, §4.3.4: the 304's headers replace the stored ones, and its times restart the entry's age. */
  private refresh(stored: CacheEntry, headers: readonly string[]): void {
    const updates = new Map<string, string[]>();
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!.toLowerCase();
      if (keptOn304.has(name)) continue;
      const values = updates.get(name) ?? [];
      values.push(headers[i]!, headers[i + 1]!);
      updates.set(name, values);
    }
    const merged: string[] = [];
    for (let i = 0; i < stored.headers.length; i += 2) if (!updates.has(stored.headers[i]!.toLowerCase())) merged.push(stored.headers[i]!, stored.headers[i + 1]!);
    for (const values of updates.values()) merged.push(...values);
    const now = this.cache.now();
    this.applyHeaders(stored, merged, this.requestTimeMs, now, ageHeaderSeconds(headerOf(headers, 'age')));
    this.cache.storeOf(this.options.routeId).resized(stored, entrySize(merged, stored.body));
    this.exchangeReading = true;
    this.answerFromStore(stored, { fwd: 'stale', fwdStatus: 304, ttl: stored.lifetimeSeconds - currentAge(stored.times, now) });
  }

  /** Age is not kept among the headers (each use writes its own), so it comes apart. */
  private applyHeaders(entry: EntryWithoutBody, headers: string[], requestTimeMs: number, responseTimeMs: number, ageSeconds: number): void {
    entry.headers = headers;
    entry.directives = parseCacheControl(headerOf(headers, 'cache-control'));
    entry.etag = headerOf(headers, 'etag');
    entry.lastModified = headerOf(headers, 'last-modified');
    const date = headerOf(headers, 'date');
    entry.times = { requestTimeMs, responseTimeMs, dateSeconds: httpDateSeconds(date), ageSeconds };
    entry.lifetimeSeconds = freshnessLifetime(entry.status, entry.directives, { date, expires: headerOf(headers, 'expires'), lastModified: entry.lastModified }, responseTimeMs).seconds;
  }

  private answerFromStore(stored: CacheEntry, parts: Parameters<typeof cacheStatus>[0]): void {
    this.answered = true;
    this.outcome = 'stale';
    this.dropFill();
    this.statusValue = this.cache.serve(this.req, this.inner, stored, parts, {
      listen: (listener) => (this.pump = listener),
      // The backend has had its turn (a 304, an error, or none answering): the client is told, and asking again fetches anew.
      unreadable: (why) => {
        this.statusValue = cacheStatus({ fwd: 'stale', detail: `the stored copy on disk ${why}, so it was removed; ask again` });
        this.inner.writeHead(unreadableStatus, undefined, ['Content-Length', '0', 'Cache-Control', 'no-store', 'Cache-Status', this.statusValue]);
        this.inner.end();
      },
    });
    this.release(true);
  }

  private dropFill(): void {
    this.fill?.abort();
    this.fill = undefined;
  }

  /** §5.2.2.7: qualified private names fields a shared cache must not keep; framing and Age are written anew at each use. */
  private storedHeaders(headers: readonly string[], directives: Directives): string[] {
    const privateFields = directives.get('private');
    if (typeof privateFields !== 'string') return withoutHeaders(headers, unstoredHeaders);
    const names = new Set(unstoredHeaders);
    for (const name of privateFields.split(',')) names.add(name.trim().toLowerCase());
    return withoutHeaders(headers, names);
  }

  private keep(chunk: Buffer | string): void {
    if (!this.fill) return;
    this.bytes += chunk.length;
    if (this.bytes > this.cache.storeOf(this.options.routeId).maxEntryBytes || !this.fill.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
      // Announced no length and grew past the limit, or the disk refused: the client still gets it all, the cache none of it.
      this.dropFill();
      this.release(false);
    }
  }

  private commit(): void {
    const { fill, head } = this;
    this.fill = undefined;
    if (!fill || !head) return this.release(true);
    const names = varyNames(headerOf(head.headers, 'vary'));
    const entry: EntryWithoutBody = {
      routeId: this.options.routeId,
      key: this.options.key,
      scheme: this.req.listener.scheme,
      status: head.status,
      reason: head.reason,
      headers: head.headers,
      varyNames: names === '*' ? [] : names,
      varyValues: names === '*' ? [] : varyValues(names, this.req),
      directives: new Map(),
      lifetimeSeconds: 0,
      times: { requestTimeMs: 0, responseTimeMs: 0, dateSeconds: undefined, ageSeconds: 0 },
      etag: undefined,
      lastModified: undefined,
    };
    // The upstream connection ends a body at its Content-Length and fails one cut short, so what arrived is what was announced.
    this.applyHeaders(entry, head.headers, head.requestTimeMs, head.responseTimeMs, head.age);
    fill.commit(entry);
    this.release(true);
  }

  /** Lets requests waiting for this one go: to the store (`mayWait`), or straight to the backend when this answer was not stored. */
  private release(mayWait: boolean): void {
    if (!this.lockHeld) return;
    this.lockHeld = false;
    this.cache.unlock(this.options.lockKey, mayWait);
  }
}
