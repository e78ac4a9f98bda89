import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import zlib from 'node:zlib';
import { pickBackend, stickyCookieFor } from './balancer';
import { BodyRelay } from './body-relay';
import { compressedHeaders, negotiateEncoding, shouldCompress, type Encoding, type ResponseFacts } from './content-encoding';
import { sendErrorPage } from './error-pages';
import { clientAddress, clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';
import { hostFromHeader, pathFromTarget } from './host-header';
import { upstreamTarget } from './path-rewrite';
import { classifyFailure, mayRetry } from './retries';
import type { CompiledRoute, RoutingTable, UpstreamTarget } from './routing-table';
import type { RuntimeState } from './runtime-state';
import type { UpstreamPools } from './upstream-pools';
import type { HealthMonitor } from '../health/health-monitor';
import { routeLabel } from '../../../shared/route-label';

export interface ProxyContext {
  table(): RoutingTable;
  runtime: RuntimeState;
  pools: UpstreamPools;
  /** Passive health: every answer and every failure on real traffic is reported. */
  health: HealthMonitor;
  /** The listener's own port, for links on the unknown-host page. */
  listenPort(): number;
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
      : route.inService === 0
        ? `All ${route.backendCount} of its backends are switched off or draining: switch one on.`
        : `None of its ${route.inService} backends is healthy (and its panic threshold is 0%).`;
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

function describeError(error: NodeJS.ErrnoException, route: CompiledRoute): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there (connection refused). Is the dev server running?';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `it did not accept a connection within ${route.settings.connectTimeoutMs} ms.`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `it sent no response headers within ${route.settings.responseHeaderTimeoutMs} ms.`;
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
      return 'it closed the connection before answering (connection reset).';
    default:
      return `${error.code ?? 'error'}: ${error.message}.`;
  }
}

function responseFacts(method: string, status: number, raw: readonly string[]): ResponseFacts {
  const facts: ResponseFacts = { method, status, contentType: undefined, contentEncoding: undefined, contentLength: undefined, cacheControl: undefined };
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'content-type') facts.contentType = raw[i + 1];
    else if (name === 'content-encoding') facts.contentEncoding = raw[i + 1];
    else if (name === 'content-length') facts.contentLength = raw[i + 1];
    else if (name === 'cache-control') facts.cacheControl = raw[i + 1];
  }
  return facts;
}

/**
 * One client request: attempts on successive backends until one answers or
 * retries run out. Both bodies are piped (backpressure, no buffering);
 * whichever side goes away first takes the other down so neither leaks.
 */
/**
 * One client request: attempts on successive backends until one answers or
 * retries run out. Uses undici's dispatch handler interface (the callback
 * form, which undici runs without an adapter) so the response streams
 * straight into the client's socket with backpressure and no buffering.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private readonly tried = new Set<number>();
  private readonly failures: string[] = [];
  private readonly hasBody: boolean;
  private target!: UpstreamTarget;
  private body: BodyRelay | undefined;
  private abortUpstream: ((error?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  /** Ends the in-flight count of the current attempt. */
  private endAttempt: (() => void) | undefined;
  private zip: Transform | undefined;
  private reconnected = false;
  private finished = false;

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
      if (!this.finished) this.abortUpstream?.(new Error('The client closed the connection.'));
      this.endAttempt?.();
    });
  }

  attempt(target: UpstreamTarget): void {
    const { req, route, ctx } = this;
    const settings = route.settings;
    this.target = target;
    this.tried.add(target.id);
    this.abortUpstream = undefined;
    this.body = this.hasBody ? new BodyRelay(req) : undefined;
    this.endAttempt = ctx.runtime.begin(target.id);
    try {
      ctx.pools.for(target, settings.connectTimeoutMs).dispatch(
        {
          origin: target.url,
          method: req.method as Dispatcher.HttpMethod,
          path: upstreamTarget(req.url ?? '/', route.path, settings.stripPrefix),
          headers: upstreamRequestHeaders(req, target, { proto: 'http', rewriteHost: settings.rewriteHost }),
          body: this.body ?? null,
          headersTimeout: settings.responseHeaderTimeoutMs,
          bodyTimeout: settings.idleTimeoutMs,
        },
        this,
      );
    } catch (error) {
      // undici refuses some requests outright (a duplicate Host header).
      this.endAttempt();
      this.finished = true;
      sendErrorPage(req, this.res, { status: 400, title: 'Bad request', lines: [`Switchyard cannot forward this request: ${(error as Error).message}.`] });
    }
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abortUpstream = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx informational answers (103 Early Hints) are not forwarded; the final one follows.
    if (status < 200) return true;
    const { req, res, route, target } = this;
    const settings = route.settings;
    this.resumeUpstream = resume;
    this.ctx.runtime.stats.recordServed(route.id, target.id);
    if (status >= 500 && settings.ejectOn5xx) this.ctx.health.recordTraffic(target.id, false, `it answered ${status}`);
    else this.ctx.health.recordTraffic(target.id, true, '');
    const raw = new Array<string>(rawHeaders.length);
    for (let i = 0; i < rawHeaders.length; i++) raw[i] = rawHeaders[i]!.toString('latin1');
    let headers = clientResponseHeaders(raw, settings.backendHeader ? target.url : undefined);
    const cookie = stickyCookieFor(req, route, target);
    if (cookie) headers.push('Set-Cookie', cookie);
    if (settings.compression) {
      const facts = responseFacts(req.method ?? 'GET', status, raw);
      if (shouldCompress(facts)) {
        const encoding = negotiateEncoding(req.headers['accept-encoding']);
        headers = compressedHeaders(headers, encoding);
        if (encoding) {
          this.zip = compressor(encoding);
          this.zip.on('drain', resume);
          this.zip.pipe(res);
        }
      }
    }
    res.writeHead(status, statusText, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    const sink = this.zip ?? this.res;
    if (sink.write(chunk)) return true;
    // Backpressure: undici pauses reading until the client catches up.
    if (sink === this.res) this.res.once('drain', this.resumeUpstream!);
    return false;
  }

  onComplete(): void {
    this.finished = true;
    if (this.zip) this.zip.end();
    else this.res.end();
  }

  onError(error: NodeJS.ErrnoException): void {
    const { req, res, route, ctx, target } = this;
    this.endAttempt?.();
    if (this.finished || res.destroyed) return;
    if (res.headersSent) {
      // Mid-body: abort the client's response so a truncated body is never
      // presented as complete.
      this.finished = true;
      res.destroy(error);
      return;
    }
    const question = {
      method: req.method ?? 'GET',
      failure: classifyFailure(error),
      bodyConsumed: this.body?.started ?? false,
      responseStarted: false,
      attempts: this.tried.size,
      retries: route.settings.retries,
    };
    const next = mayRetry(question) ? pickBackend(req, route, ctx.runtime, this.tried) : undefined;
    // A pooled connection the backend had just closed as idle says nothing
    // about the backend: with no other backend left, go once more to the
    // same one, on the next turn of the loop, once undici has dropped the
    // dead socket (so the retry opens a fresh connection).
    if (!next && question.failure === 'reset' && !this.reconnected && mayRetry({ ...question, attempts: 0 })) {
      this.reconnected = true;
      setImmediate(() => {
        if (!res.destroyed) this.attempt(target);
      });
      return;
    }
    ctx.runtime.stats.recordFailure(target.id);
    const description = describeError(error, route);
    ctx.health.recordTraffic(target.id, false, description);
    this.failures.push(`${target.url}: ${description}`);
    if (next) this.attempt(next);
    else {
      this.finished = true;
      this.badGateway();
    }
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
