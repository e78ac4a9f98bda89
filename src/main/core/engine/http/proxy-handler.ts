import type { Socket } from 'node:net';
import type { CacheOutcome, ResponseFlag } from '../../../../shared/traffic';
import type { CacheSeam } from '../cache/caching-response';
import { cacheStatus } from '../cache/cache-status';
import { pickBackend } from '../balancing/balancer';
import type { CompiledRoute } from '../routing/routing-table';
import { flagBit } from '../traffic/exchange-note';
import { sendErrorPage } from './error-pages';
import { Exchange, type ClientUpgrade } from './exchange';
import { cameThrough } from './forwarded-headers';
import { isLoopbackName } from './host-header';
import type { ProxyContext } from './proxy-context';
import type { RequestMessage, ResponseMessage } from './message';
import type { ProxyRequest } from './http1/proxy-request';
import { UpgradeResponse } from './http1/upgrade-response';

// HTTP proxying: a request (or an upgrade) is routed, admitted, balanced and
// handed to an Exchange (exchange.ts) that makes the attempts. This file
// holds the decisions before the first attempt and the answers Switchyard
// gives itself; messages are protocol-neutral (message.ts), so the HTTP/1
// server (http1/) is one listener among those to come.

const DEFAULT_HTTPS_PORT = 443;
const REDIRECT_STATUS = 308;

function notFound(req: RequestMessage, res: ResponseMessage, ctx: ProxyContext): void {
  const host = req.host;
  const path = req.path ?? req.url;
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
function loopDetected(req: RequestMessage, res: ResponseMessage, route: CompiledRoute, cacheStatus: readonly string[]): void {
  sendErrorPage(req, res, {
    status: 508,
    headers: [...cacheStatus],
    title: 'Loop detected',
    lines: [
      `The route ${route.label} sent this request to a backend that leads back to Switchyard: it arrived here a second time.`,
      "Point the route's backends at the address and port the dev server itself listens on, not at Switchyard's listener or a proxy in front of it.",
    ],
  });
}

/** The route wants HTTPS: the same URL on the HTTPS listener, 308 so the method and body are kept (RFC 9110 §15.4.9). */
function redirectToHttps(req: RequestMessage, res: ResponseMessage, route: CompiledRoute, httpsPort: number, cacheStatus: readonly string[]): void {
  const location = `https://${req.host}${httpsPort === DEFAULT_HTTPS_PORT ? '' : `:${httpsPort}`}${req.url}`;
  sendErrorPage(req, res, {
    status: REDIRECT_STATUS,
    // no-store (sendErrorPage's) keeps browsers from caching a permanent redirect for a route the user may change back.
    headers: ['Location', location, ...cacheStatus],
    title: 'Permanent Redirect',
    lines: [`The route ${route.label} is served over HTTPS.`],
    links: [{ href: location, text: location }],
  });
}

function noBackend(req: RequestMessage, res: ResponseMessage, route: CompiledRoute): void {
  const why =
    route.backendCount === 0
      ? 'It has no backends configured: add one.'
      : route.inService === 0
        ? `All ${route.backendCount} of its backends are switched off or draining: switch one on.`
        : `None of its ${route.inService} backends is healthy (and its panic threshold is 0%).`;
  sendErrorPage(req, res, {
    status: 503,
    title: 'No backend available',
    lines: [`The route ${route.label} cannot serve this request.`, why],
  });
}

function tooManyRequests(req: RequestMessage, res: ResponseMessage, route: CompiledRoute, waitMs: number, cacheStatus: readonly string[]): void {
  const s = route.settings;
  sendErrorPage(req, res, {
    status: 429,
    headers: ['Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))), ...cacheStatus],
    title: 'Too many requests',
    lines: [
      `The route ${route.label} allows ${s.rateLimitRps} requests per second${s.rateLimitPer === 'ip' ? ' per client' : ''} (bursts of ${s.rateLimitBurst}).`,
      `Try again in ${Math.ceil(waitMs / 100) / 10} s.`,
    ],
  });
}

/** On a route with the cache on, Switchyard's own answers before the cache say so too (RFC 9211: every response of the route carries Cache-Status). */
function bypassedCache(route: CompiledRoute, why: string): readonly string[] {
  return route.settings.cache ? ['Cache-Status', cacheStatus({ fwd: 'bypass', detail: `${why} before the cache` })] : [];
}

/** An answer Switchyard gave itself, recorded like any exchange (with no attempts). */
function recordLocal(
  ctx: ProxyContext,
  req: RequestMessage,
  route: CompiledRoute | undefined,
  status: number,
  flag: ResponseFlag | undefined,
  startedAt: number,
  cache?: CacheOutcome | null,
  cacheStatus?: string,
): void {
  if (!ctx.records.wanted) return;
  const elapsed = ctx.stats.now() - startedAt;
  ctx.records.add({
    startedAtEpoch: Date.now(),
    route,
    req,
    status,
    flagBits: flag === undefined ? 0 : flagBit[flag],
    ttfbMs: elapsed,
    totalMs: elapsed,
    bytesIn: 0,
    bytesOut: 0,
    upgradeMs: Number.NaN,
    responseHeaders: [],
    attempts: undefined,
    cache,
    cacheStatus,
  });
}

/** Routes, admits and balances one request (or upgrade), then hands it to an Exchange. */
function proxy(req: RequestMessage, res: ResponseMessage, ctx: ProxyContext, upgrade: ClientUpgrade | undefined): void {
  const startedAt = ctx.stats.now();
  const route = ctx.table().match(req.host, req.path ?? req.url);
  if (!route) {
    recordLocal(ctx, req, undefined, 404, 'NR', startedAt);
    return notFound(req, res, ctx);
  }
  const stats = ctx.stats;
  stats.recordRequest(route.id);
  const httpsPort = req.listener.scheme === 'http' && route.settings.redirectHttps ? ctx.httpsPort() : undefined;
  if (httpsPort !== undefined) {
    stats.recordRedirect(route.id, REDIRECT_STATUS);
    const cached = bypassedCache(route, 'redirected to HTTPS');
    recordLocal(ctx, req, route, REDIRECT_STATUS, undefined, startedAt, cached.length ? 'bypass' : null, cached[1]);
    return redirectToHttps(req, res, route, httpsPort, cached);
  }
  if (cameThrough(req.header('via'), ctx.via)) {
    stats.recordLocal(route.id, 508);
    const cached = bypassedCache(route, 'loop detected');
    recordLocal(ctx, req, route, 508, 'LD', startedAt, cached.length ? 'bypass' : null, cached[1]);
    return loopDetected(req, res, route, cached);
  }
  const wait = ctx.limiters.for(route)?.take(req.clientAddress, Date.now()) ?? 0;
  if (wait > 0) {
    stats.recordLocal(route.id, 429);
    const cached = bypassedCache(route, 'rate limited');
    recordLocal(ctx, req, route, 429, 'RL', startedAt, cached.length ? 'bypass' : null, cached[1]);
    return tooManyRequests(req, res, route, wait, cached);
  }
  if (route.settings.cache && !upgrade) {
    ctx.cache.handle(
      req,
      res,
      route,
      (through, seam) => forward(req, through, route, ctx, undefined, startedAt, seam),
      (status, outcome, cacheStatus) => {
        stats.recordCached(route.id, status);
        recordLocal(ctx, req, route, status, undefined, startedAt, outcome, cacheStatus);
      },
    );
    return;
  }
  forward(req, res, route, ctx, upgrade, startedAt, undefined);
}

/** Balances a request (through the route's cache, when it has one) and hands it to an Exchange. */
function forward(
  req: RequestMessage,
  res: ResponseMessage,
  route: CompiledRoute,
  ctx: ProxyContext,
  upgrade: ClientUpgrade | undefined,
  startedAt: number,
  seam: CacheSeam | undefined,
): void {
  const target = pickBackend(req, route, ctx.selection, ctx.inFlight.count);
  if (!target) {
    const stale = seam?.answerWhenDown() ?? 0;
    if (stale) {
      ctx.stats.recordCached(route.id, stale);
      recordLocal(ctx, req, route, stale, 'UH', startedAt, seam!.outcome, seam!.statusValue);
      return;
    }
    ctx.stats.recordLocal(route.id, 503);
    noBackend(req, res, route);
    recordLocal(ctx, req, route, 503, 'UH', startedAt, seam?.outcome, seam?.statusValue);
    return;
  }
  new Exchange(req, res, route, ctx, upgrade, seam).start(target);
}

export function createProxyHandler(ctx: ProxyContext) {
  return (req: RequestMessage, res: ResponseMessage): void => proxy(req, res, ctx, undefined);
}

/**
 * WebSocket and any other `Upgrade` (Vite/webpack HMR): routed, balanced
 * and retried like other requests; a 101 splices the two sockets, any other
 * answer (an error page, the backend's 401) is sent and the connection closed.
 */
export function createUpgradeHandler(ctx: ProxyContext) {
  return (req: ProxyRequest, client: Socket, head: Buffer): void => {
    const res = new UpgradeResponse(client, req);
    proxy(req, res, ctx, { res, head });
  };
}
