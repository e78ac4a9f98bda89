import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { ProxyRequest } from './http1/proxy-request';
import { pickBackend } from '../balancing/balancer';
import { cameThrough, clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';
import { pathFromTarget } from './host-header';
import { upstreamTarget } from '../routing/path-rewrite';
import type { ProxyContext } from './proxy-handler';
import { classifyFailure, mayRetry } from '../upstream/retries';
import { refuseConnection } from './http1/refusal';
import { UpstreamErrors } from '../upstream/upstream-errors';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import { routeLabel } from '../../../../shared/route-label';

// WebSocket and any other `Upgrade` (Vite/webpack HMR): balanced like other
// requests, then the two sockets are spliced together. Either side ending or
// failing destroys both, so nothing is left half-open.

function rawResponse(status: number, reason: string, headers: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}\r\n`;
}

function withoutContentLength(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() !== 'content-length') out.push(headers[i]!, headers[i + 1]!);
  return out;
}

function splice(client: Duplex, upstream: Duplex, onClose: () => void): void {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    client.destroy();
    upstream.destroy();
    onClose();
  };
  for (const socket of [client, upstream]) {
    socket.on('error', close);
    socket.on('close', close);
    socket.on('end', close);
  }
  client.pipe(upstream);
  upstream.pipe(client);
}

function attempt(req: ProxyRequest, client: Duplex, head: Buffer, route: CompiledRoute, target: UpstreamTarget, ctx: ProxyContext, tried: Set<number>) {
  tried.add(target.id);
  const settings = route.settings;
  const headers = upstreamRequestHeaders(req, target, { proto: 'http', rewriteHost: settings.rewriteHost, via: ctx.via });
  headers.push('Connection', 'Upgrade', 'Upgrade', String(req.headers.upgrade));
  const upstream = (target.protocol === 'https:' ? https : http).request({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: upstreamTarget(req.url, route.path, settings.stripPrefix),
    headers,
    // Upgraded connections leave any pool, so they get their own.
    agent: false,
    rejectUnauthorized: settings.verifyBackendTls,
  });
  const end = ctx.runtime.begin(target.id);
  const startedAt = ctx.runtime.stats.now();
  const connectTimer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: UpstreamErrors.connectTimeout })), settings.connectTimeoutMs);
  let upgraded = false;
  client.once('close', () => {
    if (!upgraded) upstream.destroy();
  });

  upstream.once('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
    clearTimeout(connectTimer);
    upgraded = true;
    ctx.runtime.stats.recordAnswer(route.id, target.id, 101, ctx.runtime.stats.now() - startedAt);
    const responseHeaders = clientResponseHeaders(upstreamRes.rawHeaders, settings.backendHeader ? target.url : undefined);
    responseHeaders.push('Connection', 'Upgrade', 'Upgrade', String(upstreamRes.headers.upgrade ?? req.headers.upgrade));
    client.write(rawResponse(101, upstreamRes.statusMessage || 'Switching Protocols', responseHeaders));
    if (upstreamHead.length) client.write(upstreamHead);
    if (head.length) upstreamSocket.write(head);
    upstreamSocket.setKeepAlive(true, 30_000);
    splice(client, upstreamSocket, end);
  });
  // The backend answered without upgrading (401, 404, 426...): pass its answer on.
  upstream.once('response', (upstreamRes) => {
    clearTimeout(connectTimer);
    ctx.runtime.stats.recordAnswer(route.id, target.id, upstreamRes.statusCode ?? 0, ctx.runtime.stats.now() - startedAt);
    // The body is delimited by closing the connection, whatever its framing was.
    const responseHeaders = withoutContentLength(clientResponseHeaders(upstreamRes.rawHeaders, settings.backendHeader ? target.url : undefined));
    responseHeaders.push('Connection', 'close');
    client.write(rawResponse(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage ?? '', responseHeaders));
    upstreamRes.pipe(client);
    upstreamRes.once('end', end);
    upstreamRes.once('error', () => client.destroy());
  });
  upstream.once('error', (error: NodeJS.ErrnoException) => {
    clearTimeout(connectTimer);
    end();
    ctx.health.recordTraffic(target.id, false, `${error.code ?? error.message} (upgrade)`);
    // The same rule as for requests: an upgrade is a GET with no body, and
    // nothing the client sent after it has left yet, so a reset before the
    // backend's answer is retried elsewhere too.
    const question = { method: req.method, failure: classifyFailure(error), bodyConsumed: false, responseStarted: false, attempts: tried.size, retries: settings.retries };
    const next = mayRetry(question) ? pickBackend(req, route, ctx.runtime, tried) : undefined;
    ctx.runtime.stats.recordFailure(route.id, target.id, next !== undefined);
    if (next) return attempt(req, client, head, route, next, ctx, tried);
    ctx.runtime.stats.recordLocal(route.id, 502);
    refuseConnection(client, 502, `The route's backend ${target.url} could not be reached for this upgrade (${error.code ?? error.message}).`);
  });
  upstream.end();
}

export function createUpgradeHandler(ctx: ProxyContext) {
  return (req: ProxyRequest, client: Duplex, head: Buffer): void => {
    client.on('error', () => client.destroy());
    const host = req.host;
    const route = ctx.table().match(host, pathFromTarget(req.url));
    if (!route) return refuseConnection(client, 404, `Switchyard has no route for ${host}.`);
    ctx.runtime.stats.recordRequest(route.id);
    if (cameThrough(req.headers.via, ctx.via)) {
      ctx.runtime.stats.recordLocal(route.id, 508);
      return refuseConnection(client, 508, `The route ${routeLabel(route)} sent this upgrade to a backend that leads back to Switchyard; point its backends at the dev server's own address and port.`);
    }
    const target = pickBackend(req, route, ctx.runtime);
    if (!target) {
      ctx.runtime.stats.recordLocal(route.id, 503);
      return refuseConnection(client, 503, `The route for ${host} has no backend switched on.`);
    }
    attempt(req, client, head, route, target, ctx, new Set());
  };
}
