import type { Duplex, Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { CacheOutcome, ResponseFlag } from '../../../../shared/traffic';
import type { CacheSeam } from '../cache/caching-response';
import { pickBackend, stickyCookieFor } from '../balancing/balancer';
import { Choice, noteChoice } from '../balancing/explain-choice';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import { upstreamTarget } from '../routing/path-rewrite';
import type { UpstreamFailure } from '../upstream/failures';
import { mayRetry } from '../upstream/retries';
import { flagBit, type AttemptNote, type ExchangeNote } from '../traffic/exchange-note';
import { compressedHeaders, negotiateEncoding, shouldCompress, type Encoding, type ResponseFacts } from './content-encoding';
import { sendErrorPage } from './error-pages';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';
import type { ProxyContext } from './proxy-context';
import type { KeptHeaders, RequestMessage, ResponseListener, ResponseMessage, UpgradableResponse } from './message';
import type { ResponseHead } from './http1/head-parser';
import type { UpstreamCall, UpstreamHandler, UpstreamTunnel } from './http1/upstream-connection';

/** A compressor writing into the response (resumed by the exchange when the client drains); `resume` restarts the backend when it drains. */
function compressor(encoding: Encoding, res: ResponseMessage, resume: () => void): Transform {
  // Fast settings: on loopback the proxy's CPU, not the wire, is the cost.
  const zip: Transform =
    encoding === 'br'
      ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
      : zlib.createGzip({ level: 5 });
  zip.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) zip.pause();
  });
  zip.on('drain', resume);
  zip.on('end', () => res.end());
  zip.on('error', () => res.destroy());
  return zip;
}

function responseFacts(method: string, status: number, headers: Record<string, string>): ResponseFacts {
  return {
    method,
    status,
    contentType: headers['content-type'],
    contentEncoding: headers['content-encoding'],
    contentLength: headers['content-length'],
    cacheControl: headers['cache-control'],
  };
}

/** The client's side of an upgrade: its response can switch, and the bytes it sent after its head go up first. */
export interface ClientUpgrade {
  res: UpgradableResponse;
  head: Buffer;
}

/**
 * One client request, from "route matched" to the last byte: attempts on
 * successive backends until one answers or retries run out (one loop for
 * plain requests and upgrades). The response streams straight into the
 * client with backpressure and no buffering; whichever side goes away first
 * takes the other down so neither leaks. What happened is kept in plain
 * fields and turned into a traffic record once, at the end.
 */
export class Exchange implements UpstreamHandler, ResponseListener, ExchangeNote {
  /** Backends that failed this request, so a retry goes elsewhere; made at the first failure (most requests never need it). */
  private tried: Set<number> | undefined;
  /** For the 502 page: each failed attempt's backend and why, in words. */
  private failures: string[] | undefined;
  /** Each attempt, when records are kept: one note, or a list once a retry made more. */
  attempts: AttemptNote | AttemptNote[] | undefined;
  private readonly noting: boolean;
  private readonly startedAt: number;
  readonly startedAtEpoch = Date.now();
  private target!: UpstreamTarget;
  private call: UpstreamCall | undefined;
  /** The current attempt was begun and not yet settled (counted once). */
  private attemptOpen = false;
  /** When the current attempt began, on the stats clock: its latency runs to the response head. */
  private attemptStartedAt = 0;
  /** Response body bytes the current attempt received (counted, not copied). */
  bytesOut = 0;
  /** Request body bytes sent over settled attempts. */
  bytesIn = 0;
  /** Bytes the client sent up an upgraded connection. */
  private tunnelSent = 0;
  private zip: Transform | undefined;
  private reconnected = false;
  private finished = false;
  private recorded = false;
  /** What the client got; 0 until a response head is sent. */
  status = 0;
  flagBits = 0;
  ttfbMs = Number.NaN;
  totalMs = 0;
  upgradeMs = Number.NaN;
  responseHeaders: KeptHeaders = [];
  private tunnelOpenedAt = 0;

  constructor(
    readonly req: RequestMessage,
    private readonly res: ResponseMessage,
    readonly route: CompiledRoute,
    private readonly ctx: ProxyContext,
    private readonly upgrade: ClientUpgrade | undefined,
    /** The route's cache, when it has one: `res` is the same object, storing what streams through it. */
    private readonly cacheSeam?: CacheSeam,
  ) {
    this.startedAt = ctx.stats.now();
    this.noting = ctx.records.wanted;
    res.listen(this);
  }

  get cache(): CacheOutcome | null {
    return this.cacheSeam?.outcome ?? null;
  }

  get cacheStatus(): string | undefined {
    return this.cacheSeam?.statusValue;
  }

  responseClosed(): void {
    // The client went away first: stop work on the backend too.
    if (!this.finished) {
      this.call?.abort();
      this.flag('DC');
    }
    this.settleAttempt();
    if (!this.tunnelOpenedAt) this.finishRecord();
  }

  responseDrained(): void {
    this.zip?.resume();
    this.call?.resume();
  }

  start(target: UpstreamTarget): void {
    this.attempt(target, undefined);
  }

  private attempt(target: UpstreamTarget, after: AttemptNote['after']): void {
    const { req, route, ctx } = this;
    const settings = route.settings;
    this.target = target;
    this.tried?.add(target.id);
    this.attemptStartedAt = ctx.stats.now();
    // Before this attempt counts itself in flight: the note quotes the counts the balancer chose on.
    if (this.noting) this.noteAttempt(target, after);
    ctx.inFlight.begin(target.id);
    this.attemptOpen = true;
    this.bytesOut = 0;
    const forwarded = upstreamRequestHeaders(req, target, { rewriteHost: settings.rewriteHost, via: ctx.via });
    // A cache fill asks with its own validators, not the client's.
    const headers = this.cacheSeam ? this.cacheSeam.upstreamHeaders(forwarded) : forwarded;
    // Hop-by-hop, so stripped above: asked for again for this hop.
    if (this.upgrade) headers.push('Connection', 'Upgrade', 'Upgrade', req.upgrade!);
    this.call = ctx.pools.for(target, { connectTimeoutMs: settings.connectTimeoutMs, verifyTls: settings.verifyBackendTls }).request(
      {
        method: req.method,
        path: upstreamTarget(req.url, route.path, settings.stripPrefix),
        headers,
        body: req.hasBody ? req : undefined,
        headersTimeoutMs: settings.responseHeaderTimeoutMs,
        bodyTimeoutMs: settings.idleTimeoutMs,
        upgrade: this.upgrade !== undefined,
      },
      this,
    );
  }

  /** Notes the attempt just begun and why its backend was chosen (the balancer's counts are still the ones it chose on). */
  private noteAttempt(target: UpstreamTarget, after: AttemptNote['after']): void {
    const note: AttemptNote = {
      backendId: target.id,
      url: target.url,
      hostport: target.hostport,
      startMs: this.attemptStartedAt - this.startedAt,
      durationMs: 0,
      status: 0,
      failure: null,
      after,
      choice: Choice.roundRobin,
      count: 0,
      other: -1,
      otherLabel: undefined,
    };
    if (after !== 'reconnect') noteChoice(note, this.req, this.route, target, this.ctx.inFlight.count);
    const attempts = this.attempts;
    this.attempts = attempts === undefined ? note : Array.isArray(attempts) ? [...attempts, note] : [attempts, note];
  }

  private get lastAttempt(): AttemptNote | undefined {
    const attempts = this.attempts;
    return Array.isArray(attempts) ? attempts.at(-1) : attempts;
  }

  /** The backend answered (any status but 101): passive health, counters, then the head to the client. */
  private answered(head: ResponseHead): void {
    const { route, target, ctx } = this;
    // One clock read for both: the head arrived once.
    const now = ctx.stats.now();
    const latency = now - this.attemptStartedAt;
    ctx.stats.recordAnswer(route.id, target.id, head.status, latency);
    if (head.status >= 500 && route.settings.ejectOn5xx) ctx.health.recordTraffic(target.id, false, `it answered ${head.status}`);
    else ctx.health.recordTraffic(target.id, true, '');
    const attempt = this.lastAttempt;
    if (attempt) {
      attempt.status = head.status;
      attempt.durationMs = latency;
    }
    this.status = head.status;
    this.ttfbMs = now - this.startedAt;
    this.responseHeaders = head.text;
  }

  onHeaders(head: ResponseHead): void {
    const { req, res, route, target } = this;
    const settings = route.settings;
    this.answered(head);
    let headers = clientResponseHeaders(head.rawHeaders, settings.backendHeader ? target.url : undefined);
    const cookie = stickyCookieFor(req, route, target);
    if (cookie) headers.push('Set-Cookie', cookie);
    if (settings.compression) {
      const facts = responseFacts(req.method, head.status, head.headers);
      if (shouldCompress(facts)) {
        const encoding = negotiateEncoding(req.headers['accept-encoding']);
        headers = compressedHeaders(headers, encoding);
        if (encoding) this.zip = compressor(encoding, res, () => this.call?.resume());
      }
    }
    res.writeHead(head.status, head.reason, headers);
  }

  onData(chunk: Buffer): boolean {
    this.bytesOut += chunk.length;
    // Returning false pauses the backend until the client (or compressor) drains.
    return (this.zip ?? this.res).write(chunk);
  }

  holdsChunks(): boolean {
    return this.zip !== undefined || this.res.holdsChunks();
  }

  onComplete(): void {
    this.finished = true;
    if (this.zip) this.zip.end();
    else this.res.end();
  }

  /** The backend switched protocols: splice the two sockets; either side ending ends both. */
  onUpgrade(head: ResponseHead, upstream: Duplex): UpstreamTunnel {
    const { route, target, req } = this;
    this.answered(head);
    this.finished = true;
    this.tunnelOpenedAt = this.ctx.stats.now();
    const headers = clientResponseHeaders(head.rawHeaders, route.settings.backendHeader ? target.url : undefined);
    headers.push('Connection', 'Upgrade', 'Upgrade', head.headers.upgrade ?? req.upgrade!);
    const client = this.upgrade!.res.switchProtocols(head.reason, headers);
    if (this.upgrade!.head.length) upstream.write(this.upgrade!.head);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      client.destroy();
      upstream.destroy();
      this.settleAttempt();
      this.finishRecord();
    };
    client.on('data', (chunk: Buffer) => {
      this.tunnelSent += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    client.on('drain', () => upstream.resume());
    client.on('end', close);
    client.on('close', close);
    client.on('error', close);
    client.resume();
    return {
      onData: (chunk) => {
        this.bytesOut += chunk.length;
        return client.write(chunk);
      },
      holdsChunks: () => client.writableLength > 0,
      onClose: close,
    };
  }

  onError(failure: UpstreamFailure): void {
    const { req, res, route, ctx, target } = this;
    const attempt = this.lastAttempt;
    if (attempt) {
      attempt.failure = failure;
      attempt.durationMs = ctx.stats.now() - this.attemptStartedAt;
    }
    this.settleAttempt();
    if (this.finished || res.destroyed) return;
    if (failure.flag === 'DC') {
      // The client broke off its own body: nothing to answer, nobody to blame.
      this.finished = true;
      this.flag('DC');
      res.destroy();
      return;
    }
    if (res.headersSent) {
      // Mid-body: abort the client's response so a truncated body is never
      // presented as complete; the backend failed, so health hears of it.
      this.finished = true;
      this.flag(failure.flag);
      ctx.stats.recordFailure(route.id, target.id, false);
      ctx.health.recordTraffic(target.id, false, failure.message);
      res.destroy();
      return;
    }
    const tried = (this.tried ??= new Set([target.id]));
    const question = {
      method: req.method,
      failure,
      bodyConsumed: req.bodyStarted,
      responseStarted: false,
      attempts: tried.size,
      retries: route.settings.retries,
    };
    const next = mayRetry(question) ? pickBackend(req, route, ctx.selection, ctx.inFlight.count, tried) : undefined;
    // A pooled connection the backend had just closed as idle says nothing
    // about the backend: with no other backend left, go once more to the
    // same one (the dead connection has left the pool, so this opens a
    // fresh one).
    if (!next && failure.kind === 'reset' && failure.phase === 'head' && !this.reconnected && mayRetry({ ...question, attempts: 0 })) {
      this.reconnected = true;
      this.attempt(target, 'reconnect');
      return;
    }
    ctx.stats.recordFailure(route.id, target.id, next !== undefined);
    ctx.health.recordTraffic(target.id, false, failure.message);
    (this.failures ??= []).push(`${this.attemptLabel(target)}: ${failure.message}`);
    if (next) {
      this.attempt(next, 'retry');
      return;
    }
    this.finished = true;
    this.flag(failure.flag);
    if (tried.size > 1) this.flag('URX');
    this.badGateway();
  }

  /** A backend as the 502 page names it: a last-resort attempt on one that health had set aside says so. */
  private attemptLabel(target: UpstreamTarget): string {
    if (this.route.candidates.includes(target)) return target.url;
    return `${target.url} (${this.ctx.health.state(target.id)?.name ?? 'out of rotation'}, tried as a last resort)`;
  }

  /** Ends the current attempt's in-flight count and counts its body bytes, once. */
  private settleAttempt(): void {
    if (!this.attemptOpen) return;
    this.attemptOpen = false;
    this.ctx.inFlight.end(this.target.id);
    const sent = (this.call?.bodyBytes ?? 0) + this.tunnelSent;
    this.bytesIn += sent;
    this.ctx.stats.recordBytes(this.target.id, sent, this.bytesOut);
  }

  private flag(flag: ResponseFlag): void {
    this.flagBits |= flagBit[flag];
  }

  private badGateway(): void {
    const { route } = this;
    // Every attempt failed before an answer: the cache may stand in with what it holds (stale on failover).
    const stale = this.cacheSeam?.answerWhenDown() ?? 0;
    if (stale) {
      this.status = stale;
      this.ctx.stats.recordCached(route.id, stale);
      return;
    }
    const failures = this.failures ?? [];
    this.ctx.stats.recordLocal(route.id, 502);
    this.status = 502;
    sendErrorPage(this.req, this.res, {
      status: 502,
      title: 'Backend unreachable',
      lines: [
        failures.length === 1
          ? `The route ${route.label} sent this request to ${failures[0]!.replace(/: /, ', but ')}`
          : `The route ${route.label} tried ${failures.length} backends and none answered:`,
        ...(failures.length > 1 ? failures : []),
      ],
    });
  }

  /** Hands what the exchange noted to the ring, once: the ring copies the fields, nothing is built. */
  private finishRecord(): void {
    if (this.recorded || !this.noting) return;
    this.recorded = true;
    const now = this.ctx.stats.now();
    if (this.tunnelOpenedAt) this.upgradeMs = now - this.tunnelOpenedAt;
    this.totalMs = (this.tunnelOpenedAt || now) - this.startedAt;
    this.ctx.records.add(this);
  }

}
