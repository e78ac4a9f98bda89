import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import selfsigned from 'selfsigned';
import type { Core } from '../../src/main/core/core';
import { Http2Front } from '../../src/main/core/engine/http/h2/h2-server';
import { createProxyHandler } from '../../src/main/core/engine/http/proxy-handler';
import type { ProxyContext } from '../../src/main/core/engine/http/proxy-context';
import type { ConnectionOptions } from '../../src/main/core/engine/http/http1/client-connection';

/** The engine's parts a proxy handler reads (private to the engine; see startH2Proxy). */
interface EngineParts {
  table: ProxyContext['table'] extends () => infer T ? T : never;
  selection: ProxyContext['selection'];
  inFlight: ProxyContext['inFlight'];
  limiters: ProxyContext['limiters'];
  stats: ProxyContext['stats'];
  records: ProxyContext['records'];
  pools: ProxyContext['pools'];
  health: ProxyContext['health'];
  via: string;
  connectionOptions: ConnectionOptions;
}

export interface H2Proxy {
  port: number;
  front: Http2Front;
  /** The limits the front reads (the engine's own object: settings.update changes it). */
  options: ConnectionOptions;
  close(): Promise<void>;
}

/**
 * A TLS listener offering only h2, whose sessions go to an Http2Front with
 * the core's own proxy handler (its routing table, pools, health, limits and
 * traffic record), so the tests exercise the Exchange exactly as the HTTPS
 * listener will.
 */
export async function startH2Proxy(core: Core): Promise<H2Proxy> {
  const engine = core.engine as unknown as EngineParts;
  let port = 0;
  const context = {
    table: () => engine.table,
    selection: engine.selection,
    inFlight: engine.inFlight,
    limiters: engine.limiters,
    stats: engine.stats,
    records: engine.records,
    pools: engine.pools,
    health: engine.health,
    listenPort: () => core.engine.listeners()[0]!.port,
    httpsPort: () => port,
    via: engine.via,
  } as ProxyContext;
  const front = new Http2Front(engine.connectionOptions, createProxyHandler(context), { scheme: 'https' });
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec' });
  const server = tls.createServer({ key: pems.private, cert: pems.cert, ALPNProtocols: ['h2'] }, (socket) => front.accept(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    port,
    front,
    options: engine.connectionOptions,
    close: () =>
      new Promise<void>((resolve) => {
        front.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An h2 client session to the proxy (the certificate is not checked: these tests are about HTTP/2, not trust). */
export async function h2Connect(port: number): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return session;
}

export interface H2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** The RST_STREAM code when the stream was reset; 0 when it ended cleanly. */
  rstCode: number;
  ended: boolean;
}

/** One request on `session` for `authority`; resolves when the stream closes, however it closed. */
export function h2Request(
  session: http2.ClientHttp2Session,
  authority: string,
  path = '/',
  options: { method?: string; headers?: http2.OutgoingHttpHeaders; body?: Buffer | string } = {},
): Promise<H2Answer> {
  return new Promise((resolve) => {
    const stream = session.request(
      { ':method': options.method ?? 'GET', ':authority': authority, ':path': path, ...options.headers },
      { endStream: options.body === undefined },
    );
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: http2.IncomingHttpHeaders = {};
    let ended = false;
    stream.on('response', (h) => {
      headers = h;
      status = Number(h[':status']);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => (ended = true));
    stream.on('error', () => {});
    stream.on('close', () => resolve({ status, headers, body: Buffer.concat(chunks), rstCode: stream.rstCode ?? 0, ended }));
    if (options.body !== undefined) stream.end(options.body);
  });
}
