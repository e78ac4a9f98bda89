import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { sendErrorPage } from './error-pages';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';
import { hostFromHeader, pathFromTarget } from './host-header';
import { pickBackend } from './balancer';
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
    links: hosts.map((h) => ({ href: h.startsWith('*.') ? '#' : `http://${h}:${port}/`, text: h })),
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

function badGateway(req: IncomingMessage, res: ServerResponse, route: CompiledRoute, target: UpstreamTarget, error: Error) {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ECONNREFUSED'
      ? 'nothing is listening there (connection refused). Is the dev server running?'
      : `${code ?? error.message}.`;
  sendErrorPage(req, res, {
    status: 502,
    title: 'Backend unreachable',
    lines: [`The route ${routeLabel(route)} sent this request to ${target.url}, but ${reason}`],
  });
}

/**
 * Sends the request to `target` and streams the answer back. Both bodies are
 * piped (backpressure, no buffering); whichever side goes away first takes
 * the other down so neither leaks.
 */
function forward(req: IncomingMessage, res: ServerResponse, route: CompiledRoute, target: UpstreamTarget, ctx: ProxyContext) {
  const transport = target.protocol === 'https:' ? https : http;
  const upstream = transport.request({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: upstreamRequestHeaders(req, 'http'),
    agent: ctx.agents.for(target),
  });
  const end = ctx.runtime.begin(target.id);
  res.once('close', end);

  upstream.on('response', (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, clientResponseHeaders(upstreamRes.rawHeaders));
    // pipeline destroys the client response if the backend aborts mid-body,
    // so a truncated body is never presented as complete.
    pipeline(upstreamRes, res, () => {});
  });
  upstream.on('error', (error) => {
    if (res.headersSent) res.destroy(error);
    else badGateway(req, res, route, target, error);
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

export function createProxyHandler(ctx: ProxyContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const host = hostFromHeader(req.headers.host);
    const route = ctx.table().match(host, pathFromTarget(req.url ?? '/'));
    if (!route) return notFound(req, res, host, ctx);
    const target = pickBackend(req, route, ctx.runtime);
    if (!target) return noBackend(req, res, route);
    forward(req, res, route, target, ctx);
  };
}
