import http from 'node:http';
import https from 'node:https';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { pickBackend, stickyCookieFor } from './balancer';
import { compressedHeaders, negotiateEncoding, shouldCompress, type Encoding } from './content-encoding';
import { sendErrorPage } from './error-pages';
import { clientAddress, clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';
import { hostFromHeader, pathFromTarget } from './host-header';
import { upstreamTarget } from './path-rewrite';
import { classifyFailure, mayRetry } from './retries';
import type { CompiledRoute, RoutingTable, UpstreamTarget } from './routing-table';
import type { RuntimeState } from './runtime-state';
import type { UpstreamAgents } from './upstream-agents';

export interface ProxyContext {
  table(): RoutingTable;
  runtime: RuntimeState;
  agents: UpstreamAgents;
  /** The listener's own port, for links on the unknown-host page. */
  listenPort(): number;
}

function routeLabel(route: CompiledRoute): string {
  return route.path === '/' ? route.host : `${route.host}${route.path}`;
}

function notFound(req: IncomingMessage, res: ServerResponse, host: string, ctx: ProxyContext): void {
  const hosts = ctx.table().hosts;
  const port = ctx.listenPort();
  sendErrorPage(req, res, {
    status: 404,
    title: 'No route for this host',
    lines: [
      host ? `Switchyard has no route for ${host}${pathFromTarget(req.url ?? '/')}.` : 'The request had no Host header.',
      hosts.length
        ? 'Configured hosts:'
        : 'No routes are configured yet: add one in the Switchyard window or with `switchyard route add`.',
    ],
    links: hosts.map((h) => ({ href: h.startsWith('*') ? '#' : `http://${h}:${port}/`, text: h })),
  });
}

function noBackend(req: IncomingMessage, res: ServerResponse, route: CompiledRoute): void {
  const why =
    route.backendCount === 0
      ? 'It has no backends configured: add one.'
      : `All ${route.backendCount} of its backends are switched off: switch one on.`;
  sendErrorPage(req, res, {
    status: 503,
    title: 'No backend available',
    lines: [`The route ${routeLabel(route)} cannot serve this request.`, why],
  });
}

function tooManyRequests(req: IncomingMessage, res: ServerResponse, route: CompiledRoute, waitMs: number): void {
  res.setHeader('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
  const s = route.settings;
  sendErrorPage(req, res, {
    status: 429,
    title: 'Too many requests',
    lines: [
      `The route ${routeLabel(route)} allows ${s.rateLimitRps} requests per second${s.rateLimitPer === 'ip' ? ' per client' : ''} (bursts of ${s.rateLimitBurst}).`,
      `Try again in ${Math.ceil(waitMs / 100) / 10} s.`,
    ],
  });
}

function compressor(encoding: Encoding): zlib.BrotliCompress | zlib.Gzip {
  // Fast settings: on loopback the proxy's CPU, not the wire, is the cost.
  return encoding === 'br'
    ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
    : zlib.createGzip({ level: 5 });
}

function describeError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there (connection refused). Is the dev server running?';
    case 'CONNECT_TIMEOUT':
    case 'RESPONSE_HEADER_TIMEOUT':
      return `${error.message}.`;
    case 'ECONNRESET':
      return 'it closed the connection before answering (connection reset).';
    default:
      return `${error.code ?? error.message}.`;
  }
}

function timeoutError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * One client request: attempts on successive backends until one answers or
 * retries run out. Both bodies are piped (backpressure, no buffering);
 * whichever side goes away first takes the other down so neither leaks.
 */
class Exchange {
  private readonly tried = new Set<number>();
  private readonly failures: string[] = [];
  private readonly hasBody: boolean;
  private upstream: ClientRequest | undefined;
  private reconnected = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly route: CompiledRoute,
    private readonly ctx: ProxyContext,
  ) {
    const length = req.headers['content-length'];
    this.hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    res.once('close', () => {
      // The client went away first: stop work on the backend too.
      if (!res.writableFinished) this.upstream?.destroy();
    });
  }

  attempt(target: UpstreamTarget, freshConnection = false): void {
    const { req, res, route, ctx } = this;
    const settings = route.settings;
    this.tried.add(target.id);
    const upstream = (target.protocol === 'https:' ? https : http).request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: upstreamTarget(req.url ?? '/', route.path, settings.stripPrefix),
      headers: upstreamRequestHeaders(req, target, { proto: 'http', rewriteHost: settings.rewriteHost }),
      agent: freshConnection ? false : ctx.agents.for(target),
    });
    this.upstream = upstream;
    const end = ctx.runtime.begin(target.id);
    let bodyStarted = false;
    let headerTimer: NodeJS.Timeout | undefined;

    const sendBody = () => {
      if (!this.hasBody) {
        upstream.end();
        return;
      }
      bodyStarted = true;
      req.pipe(upstream);
    };
    upstream.once('socket', (socket) => {
      // The body waits for a connected socket, so a failed connect leaves it
      // unread and the request can go to another backend whatever its method.
      if (!socket.connecting) return sendBody();
      const timer = setTimeout(
        () => upstream.destroy(timeoutError('CONNECT_TIMEOUT', `it did not accept a connection within ${settings.connectTimeoutMs} ms`)),
        settings.connectTimeoutMs,
      );
      socket.once('connect', () => {
        clearTimeout(timer);
        sendBody();
      });
      upstream.once('close', () => clearTimeout(timer));
    });
    upstream.once('finish', () => {
      headerTimer = setTimeout(
        () =>
          upstream.destroy(
            timeoutError('RESPONSE_HEADER_TIMEOUT', `it sent no response headers within ${settings.responseHeaderTimeoutMs} ms`),
          ),
        settings.responseHeaderTimeoutMs,
      );
    });

    upstream.once('response', (upstreamRes) => {
      clearTimeout(headerTimer);
      ctx.runtime.stats.recordServed(route.id, target.id);
      upstream.setTimeout(settings.idleTimeoutMs, () =>
        upstream.destroy(timeoutError('IDLE_TIMEOUT', `no data for ${settings.idleTimeoutMs} ms`)),
      );
      let headers = clientResponseHeaders(upstreamRes.rawHeaders, settings.backendHeader ? target.url : undefined);
      const cookie = stickyCookieFor(req, route, target);
      if (cookie) headers.push('Set-Cookie', cookie);
      const status = upstreamRes.statusCode ?? 502;
      const compress =
        settings.compression &&
        shouldCompress({
          method: req.method ?? 'GET',
          status,
          contentType: upstreamRes.headers['content-type'],
          contentEncoding: upstreamRes.headers['content-encoding'],
          contentLength: upstreamRes.headers['content-length'],
          cacheControl: upstreamRes.headers['cache-control'],
        });
      const encoding = compress ? negotiateEncoding(req.headers['accept-encoding']) : undefined;
      if (compress) headers = compressedHeaders(headers, encoding);
      res.writeHead(status, upstreamRes.statusMessage, headers);
      // pipeline destroys the client response if the backend aborts mid-body,
      // so a truncated body is never presented as complete.
      if (encoding) pipeline(upstreamRes, compressor(encoding), res, end);
      else pipeline(upstreamRes, res, end);
    });
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(headerTimer);
      end();
      if (res.headersSent || res.destroyed) {
        res.destroy(error);
        return;
      }
      req.unpipe(upstream);
      const question = {
        method: req.method ?? 'GET',
        failure: classifyFailure(error),
        bodyConsumed: this.hasBody && bodyStarted,
        responseStarted: false,
        attempts: this.tried.size,
        retries: settings.retries,
      };
      // A pooled connection the backend had just closed as idle says nothing
      // about the backend: go again on a fresh connection to the same one.
      if (upstream.reusedSocket && question.failure === 'reset' && !this.reconnected && mayRetry({ ...question, attempts: 0 })) {
        this.reconnected = true;
        this.attempt(target, true);
        return;
      }
      ctx.runtime.stats.recordFailure(target.id);
      this.failures.push(`${target.url}: ${describeError(error)}`);
      const retry = mayRetry(question);
      const next = retry ? pickBackend(req, route, ctx.runtime, this.tried) : undefined;
      if (next) this.attempt(next);
      else this.badGateway();
    });
  }

  private badGateway(): void {
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
  return (req: IncomingMessage, res: ServerResponse): void => {
    const host = hostFromHeader(req.headers.host);
    const route = ctx.table().match(host, pathFromTarget(req.url ?? '/'));
    if (!route) return notFound(req, res, host, ctx);
    const wait = ctx.runtime.limiterFor(route)?.take(clientAddress(req), Date.now()) ?? 0;
    if (wait > 0) return tooManyRequests(req, res, route, wait);
    const target = pickBackend(req, route, ctx.runtime);
    if (!target) return noBackend(req, res, route);
    new Exchange(req, res, route, ctx).attempt(target);
  };
}
