import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { pickBackend, stickyCookieFor } from '../balancing/balancer';
import { compressedHeaders, negotiateEncoding, shouldCompress, type Encoding, type ResponseFacts } from './content-encoding';
import { sendErrorPage } from './error-pages';
import { cameThrough, clientAddress, clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';
import { isLoopbackName, pathFromTarget } from './host-header';
import { upstreamTarget } from '../routing/path-rewrite';
import { classifyFailure, mayRetry } from '../upstream/retries';
import type { CompiledRoute, RoutingTable, UpstreamTarget } from '../routing/routing-table';
import type { RuntimeState } from '../runtime-state';
import type { UpstreamPools } from '../upstream/upstream-pools';
import type { ResponseHead } from './http1/head-parser';
import type { ProxyRequest } from './http1/proxy-request';
import type { ProxyResponse } from './http1/proxy-response';
import type { UpstreamCall, UpstreamHandler } from './http1/upstream-connection';
import { UpstreamErrors } from '../upstream/upstream-errors';
import type { HealthMonitor } from '../../health/health-monitor';
import { routeLabel } from '../../../../shared/route-label';

export interface ProxyContext {
  table(): RoutingTable;
  runtime: RuntimeState;
  pools: UpstreamPools;
  /** Passive health: every answer and every failure on real traffic is reported. */
  health: HealthMonitor;
  /** The listener's own port, for links on the unknown-host page. */
  listenPort(): number;
  /** This engine's name in Via, by which a request that comes back is recognised. */
  via: string;
}

function notFound(req: ProxyRequest, res: ProxyResponse, ctx: ProxyContext): void {
  const host = req.host;
  const path = pathFromTarget(req.url);
  // A host with routes whose prefixes miss this path: say so, and which paths
  // it has (only to loopback names, like the host list below).
  const known = host && isLoopbackName(host) ? ctx.table().routesFor(host) : [];
  const title = known.length ? 'No route for this path' : 'No route for this host';
  const missing = !host
    ? 'The request had no Host header.'
    : known.length
      ? `Switchyard has routes for ${host}, but none whose path prefix matches ${path}: ${[...new Set(known.map((r) => r.path))].sort().join(', ')}.`
      : `Switchyard has no route for ${host}${path}.`;
  // DNS rebinding: a web page whose own name now resolves to 127.0.0.1 can
  // read this page, and the hosts name the user's projects. The developer's
  // own browser asks by a localhost name, which such a page cannot send.
  if (!isLoopbackName(host)) return sendErrorPage(req, res, { status: 404, title, lines: [missing] });
  const hosts = ctx.table().hosts;
  const port = ctx.listenPort();
  sendErrorPage(req, res, {
    status: 404,
    title,
    lines: [
      missing,
      hosts.length
        ? 'Configured hosts:'
        : 'No routes are configured yet: add one in the Switchyard window or with `switchyard route add`.',
    ],
    links: hosts.map((h) => ({ href: h.startsWith('*') ? '#' : `http://${h}:${port}/`, text: h })),
  });
}

/** The request carries this engine's Via name: a backend of the route leads back here, so forwarding again would go round until sockets run out. */
function loopDetected(req: ProxyRequest, res: ProxyResponse, route: CompiledRoute): void {
  sendErrorPage(req, res, {
    status: 508,
    title: 'Loop detected',
    lines: [
      `The route ${routeLabel(route)} sent this request to a backend that leads back to Switchyard: it arrived here a second time.`,
      "Point the route's backends at the address and port the dev server itself listens on, not at Switchyard's listener or a proxy in front of it.",
    ],
  });
}

function noBackend(req: ProxyRequest, res: ProxyResponse, route: CompiledRoute): void {
  const why =
    route.backendCount === 0
      ? 'It has no backends configured: add one.'
      : route.inService === 0
        ? `All ${route.backendCount} of its backends are switched off or draining: switch one on.`
        : `None of its ${route.inService} backends is healthy (and its panic threshold is 0%).`;
  sendErrorPage(req, res, {
    status: 503,
    title: 'No backend available',
    lines: [`The route ${routeLabel(route)} cannot serve this request.`, why],
  });
}

function tooManyRequests(req: ProxyRequest, res: ProxyResponse, route: CompiledRoute, waitMs: number): void {
  const s = route.settings;
  sendErrorPage(req, res, {
    status: 429,
    headers: ['Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000)))],
    title: 'Too many requests',
    lines: [
      `The route ${routeLabel(route)} allows ${s.rateLimitRps} requests per second${s.rateLimitPer === 'ip' ? ' per client' : ''} (bursts of ${s.rateLimitBurst}).`,
      `Try again in ${Math.ceil(waitMs / 100) / 10} s.`,
    ],
  });
}

/** A compressor writing into the response; `resume` restarts the backend when it drains. */
function compressor(encoding: Encoding, res: ProxyResponse, resume: () => void): Transform {
  // Fast settings: on loopback the proxy's CPU, not the wire, is the cost.
  const zip: Transform =
    encoding === 'br'
      ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
      : zlib.createGzip({ level: 5 });
  zip.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) zip.pause();
  });
  res.on('drain', () => zip.resume());
  zip.on('drain', resume);
  zip.on('end', () => res.end());
  zip.on('error', () => res.destroy());
  return zip;
}

function describeError(error: NodeJS.ErrnoException, route: CompiledRoute): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there (connection refused). Is the dev server running?';
    case UpstreamErrors.connectTimeout:
      return `it did not accept a connection within ${route.settings.connectTimeoutMs} ms.`;
    case UpstreamErrors.headersTimeout:
      return `it sent no response headers within ${route.settings.responseHeaderTimeoutMs} ms.`;
    case 'ECONNRESET':
      return 'it closed the connection before answering (connection reset).';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
      return `its TLS certificate is not trusted (${error.message}). For a dev server's self-signed certificate, switch off "Verify https backends" in the route's settings (verifyBackendTls=off).`;
    case UpstreamErrors.badResponse:
      return `${error.message}.`;
    case undefined:
      return `${error.message}.`;
    default:
      return `${error.code}: ${error.message}.`;
  }
}

/** A backend as the 502 page names it: a last-resort attempt on one that health had set aside says so. */
function attemptLabel(target: UpstreamTarget, route: CompiledRoute, ctx: ProxyContext): string {
  if (route.candidates.includes(target)) return target.url;
  return `${target.url} (${ctx.health.state(target.id)?.name ?? 'out of rotation'}, tried as a last resort)`;
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

/**
 * One client request: attempts on successive backends until one answers or
 * retries run out. The response streams straight into the client's socket
 * with backpressure and no buffering; whichever side goes away first takes
 * the other down so neither leaks.
 */
class Exchange implements UpstreamHandler {
  private readonly tried = new Set<number>();
  private readonly failures: string[] = [];
  private target!: UpstreamTarget;
  private call: UpstreamCall | undefined;
  /** Ends the in-flight count of the current attempt. */
  private endInFlight: (() => void) | undefined;
  /** The current attempt was begun and not yet settled (counted once). */
  private attemptOpen = false;
  /** When the current attempt began, on the stats clock: its latency runs to the response head. */
  private attemptStartedAt = 0;
  /** Response body bytes the current attempt received (counted, not copied). */
  private received = 0;
  private zip: Transform | undefined;
  private reconnected = false;
  private finished = false;

  constructor(
    private readonly req: ProxyRequest,
    private readonly res: ProxyResponse,
    private readonly route: CompiledRoute,
    private readonly ctx: ProxyContext,
  ) {
    res.once('close', () => {
      // The client went away first: stop work on the backend too.
      if (!this.finished) this.call?.abort();
      this.settleAttempt();
    });
    res.on('drain', () => this.call?.resume());
  }

  attempt(target: UpstreamTarget): void {
    const { req, route, ctx } = this;
    const settings = route.settings;
    this.target = target;
    this.tried.add(target.id);
    this.endInFlight = ctx.runtime.begin(target.id);
    this.attemptOpen = true;
    this.attemptStartedAt = ctx.runtime.stats.now();
    this.received = 0;
    this.call = ctx.pools.for(target, { connectTimeoutMs: settings.connectTimeoutMs, verifyTls: settings.verifyBackendTls }).request(
      {
        method: req.method,
        path: upstreamTarget(req.url, route.path, settings.stripPrefix),
        headers: upstreamRequestHeaders(req, target, { proto: 'http', rewriteHost: settings.rewriteHost, via: ctx.via }),
        body: req.hasBody ? req : undefined,
        headersTimeoutMs: settings.responseHeaderTimeoutMs,
        bodyTimeoutMs: settings.idleTimeoutMs,
      },
      this,
    );
  }

  onHeaders(head: ResponseHead): void {
    const { req, res, route, target } = this;
    const settings = route.settings;
    const status = head.status;
    const stats = this.ctx.runtime.stats;
    stats.recordAnswer(route.id, target.id, status, stats.now() - this.attemptStartedAt);
    if (status >= 500 && settings.ejectOn5xx) this.ctx.health.recordTraffic(target.id, false, `it answered ${status}`);
    else this.ctx.health.recordTraffic(target.id, true, '');
    let headers = clientResponseHeaders(head.rawHeaders, settings.backendHeader ? target.url : undefined);
    const cookie = stickyCookieFor(req, route, target);
    if (cookie) headers.push('Set-Cookie', cookie);
    if (settings.compression) {
      const facts = responseFacts(req.method, status, head.headers);
      if (shouldCompress(facts)) {
        const encoding = negotiateEncoding(req.headers['accept-encoding']);
        headers = compressedHeaders(headers, encoding);
        if (encoding) this.zip = compressor(encoding, res, () => this.call?.resume());
      }
    }
    res.writeHead(status, head.reason, headers);
  }

  onData(chunk: Buffer): boolean {
    this.received += chunk.length;
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

  onError(error: NodeJS.ErrnoException): void {
    const { req, res, route, ctx, target } = this;
    this.settleAttempt();
    if (this.finished || res.destroyed) return;
    if (res.headersSent) {
      // Mid-body: abort the client's response so a truncated body is never
      // presented as complete.
      this.finished = true;
      res.destroy();
      return;
    }
    const question = {
      method: req.method,
      failure: classifyFailure(error),
      bodyConsumed: req.bodyStarted,
      responseStarted: false,
      attempts: this.tried.size,
      retries: route.settings.retries,
    };
    const next = mayRetry(question) ? pickBackend(req, route, ctx.runtime, this.tried) : undefined;
    // A pooled connection the backend had just closed as idle says nothing
    // about the backend: with no other backend left, go once more to the
    // same one (the dead connection has left the pool, so this opens a
    // fresh one).
    if (!next && question.failure === 'reset' && !this.reconnected && mayRetry({ ...question, attempts: 0 })) {
      this.reconnected = true;
      this.attempt(target);
      return;
    }
    ctx.runtime.stats.recordFailure(route.id, target.id, next !== undefined);
    const description = describeError(error, route);
    ctx.health.recordTraffic(target.id, false, description);
    this.failures.push(`${attemptLabel(target, route, ctx)}: ${description}`);
    if (next) this.attempt(next);
    else {
      this.finished = true;
      this.badGateway();
    }
  }

  /** Ends the current attempt's in-flight count and counts its body bytes, once. */
  private settleAttempt(): void {
    if (!this.attemptOpen) return;
    this.attemptOpen = false;
    this.endInFlight?.();
    this.ctx.runtime.stats.recordBytes(this.target.id, this.call?.bodyBytes ?? 0, this.received);
  }

  private badGateway(): void {
    this.ctx.runtime.stats.recordLocal(this.route.id, 502);
    const label = routeLabel(this.route);
    sendErrorPage(this.req, this.res, {
      status: 502,
      title: 'Backend unreachable',
      lines: [
        this.failures.length === 1
          ? `The route ${label} sent this request to ${this.failures[0]!.replace(/: /, ', but ')}`
          : `The route ${label} tried ${this.failures.length} backends and none answered:`,
        ...(this.failures.length > 1 ? this.failures : []),
      ],
    });
  }
}

export function createProxyHandler(ctx: ProxyContext) {
  return (req: ProxyRequest, res: ProxyResponse): void => {
    const route = ctx.table().match(req.host, pathFromTarget(req.url));
    if (!route) return notFound(req, res, ctx);
    const stats = ctx.runtime.stats;
    stats.recordRequest(route.id);
    if (cameThrough(req.headers.via, ctx.via)) {
      stats.recordLocal(route.id, 508);
      return loopDetected(req, res, route);
    }
    const wait = ctx.runtime.limiterFor(route)?.take(clientAddress(req), Date.now()) ?? 0;
    if (wait > 0) {
      stats.recordLocal(route.id, 429);
      return tooManyRequests(req, res, route, wait);
    }
    const target = pickBackend(req, route, ctx.runtime);
    if (!target) {
      stats.recordLocal(route.id, 503);
      return noBackend(req, res, route);
    }
    new Exchange(req, res, route, ctx).attempt(target);
  };
}
