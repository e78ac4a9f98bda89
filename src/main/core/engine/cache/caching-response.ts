import type { CacheOutcome } from '../../../../shared/traffic';
import type { ResponseListener, ResponseMessage } from '../http/message';
import type { Directives } from './cache-control';
import { parseCacheControl } from './cache-control';
import { cacheStatus, type Forward } from './cache-status';
import { entrySize, type CacheEntry } from './cache-store';
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
  private chunks: Buffer[] | undefined;
  private bytes = 0;
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
      if (status < 400) this.cache.invalidateAfter(this.req, headers);
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
      maxEntryBytes: this.cache.store.maxEntryBytes,
      responseTimeMs: now,
      date: headerOf(headers, 'date'),
      expires: headerOf(headers, 'expires'),
      lastModified: headerOf(headers, 'last-modified'),
    });
    if (decision.store) {
      this.chunks = [];
      this.head = { status, reason, headers: this.storedHeaders(headers, responseDirectives), age: ageHeaderSeconds(headerOf(headers, 'age')), requestTimeMs: this.requestTimeMs, responseTimeMs: now };
    } else {
      // Requests waiting on this one go to the backend themselves, without queueing again.
      this.release(false);
    }
    this.send(status, reason, headers, {
      fwd: options.fwd,
      fwdStatus: status,
      stored: decision.store,
      collapsed: options.collapsed,
      detail: decision.store ? options.detail : decision.why,
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
    this.chunks = undefined;
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
    this.listener?.responseDrained();
  }

  responseClosed(): void {
    // The client went away (or its response ended): a fill not yet committed never will be.
    if (!this.answered) {
      this.chunks = undefined;
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
    this.cache.store.resized(stored, entrySize(merged, stored.body));
    this.exchangeReading = true;
    this.answerFromStore(stored, { fwd: 'stale', fwdStatus: 304, ttl: stored.lifetimeSeconds - currentAge(stored.times, now) });
  }

  /** Age is not kept among the headers (each use writes its own), so it comes apart. */
  private applyHeaders(entry: CacheEntry, headers: string[], requestTimeMs: number, responseTimeMs: number, ageSeconds: number): void {
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
    this.chunks = undefined;
    this.statusValue = this.cache.serve(this.req, this.inner, stored, parts);
    this.release(true);
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
    if (!this.chunks) return;
    this.bytes += chunk.length;
    if (this.bytes > this.cache.store.maxEntryBytes) {
      // Announced no length, and grew past the limit: the client still gets it all, the cache none of it.
      this.chunks = undefined;
      this.release(false);
      return;
    }
    // Copied: the connection reads the next bytes into the same memory once the client has these.
    this.chunks.push(Buffer.from(chunk));
  }

  private commit(): void {
    const { chunks, head } = this;
    this.chunks = undefined;
    if (!chunks || !head) return this.release(true);
    const body = Buffer.concat(chunks, this.bytes);
    const names = varyNames(headerOf(head.headers, 'vary'));
    const entry: CacheEntry = {
      routeId: this.options.routeId,
      key: this.options.key,
      scheme: this.req.listener.scheme,
      status: head.status,
      reason: head.reason,
      headers: head.headers,
      body,
      varyNames: names === '*' ? [] : names,
      varyValues: names === '*' ? [] : varyValues(names, this.req),
      directives: new Map(),
      lifetimeSeconds: 0,
      times: { requestTimeMs: 0, responseTimeMs: 0, dateSeconds: undefined, ageSeconds: 0 },
      etag: undefined,
      lastModified: undefined,
      size: entrySize(head.headers, body),
    };
    // The upstream connection ends a body at its Content-Length and fails one cut short, so what arrived is what was announced.
    this.applyHeaders(entry, head.headers, head.requestTimeMs, head.responseTimeMs, head.age);
    this.cache.store.put(entry);
    this.release(true);
  }

  /** Lets requests waiting for this one go: to the store (`mayWait`), or straight to the backend when this answer was not stored. */
  private release(mayWait: boolean): void {
    if (!this.lockHeld) return;
    this.lockHeld = false;
    this.cache.unlock(this.options.lockKey, mayWait);
  }
}
