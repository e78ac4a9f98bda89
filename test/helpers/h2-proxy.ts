import http2 from 'node:http2';
import { afterAll, beforeAll } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { backendsClosedBy } from './backends';
import { withCleanCore } from './core';
import { httpsPort } from './https-client';

// HTTP/2 clients for the HTTPS listener (a core started with httpsPort: 0,
// its port from httpsPort(core)): node's own client, which ALPN puts on h2.

/**
 * An h2 suite's set-up, inside its describe: withCleanCore with the HTTPS
 * listener, `set` told the core and the listener's port once it runs.
 * Returns the suite's backend starter (closed after each test):
 * `const backend = withH2Core((proxy) => ({ core, port } = proxy));`
 */
export function withH2Core(set: (proxy: { core: Core; port: number }) => void): ReturnType<typeof backendsClosedBy> {
  const cleanups = withCleanCore((core) => set({ core, port: httpsPort(core) }), { httpsPort: 0 });
  return backendsClosedBy(cleanups);
}

/** withH2Core, and one h2 session to the listener for the whole suite, closed after its tests. */
export function withH2Session(set: (proxy: { core: Core; port: number; session: http2.ClientHttp2Session }) => void): ReturnType<typeof backendsClosedBy> {
  let proxy: { core: Core; port: number } | undefined;
  let session: http2.ClientHttp2Session | undefined;
  const backend = withH2Core((started) => (proxy = started));
  beforeAll(async () => {
    session = await h2Connect(proxy!.port);
    set({ ...proxy!, session });
  });
  afterAll(() => {
    session?.close();
  });
  return backend;
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

/** Whether `session` closed within `ms`, and the GOAWAY code it got before, if any. */
export function closedWithin(session: http2.ClientHttp2Session, ms: number): Promise<{ closed: boolean; goaway: number | undefined }> {
  return new Promise((resolve) => {
    let goaway: number | undefined;
    session.on('goaway', (code: number) => (goaway = code));
    const timer = setTimeout(() => resolve({ closed: false, goaway }), ms);
    session.once('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, goaway });
    });
  });
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
