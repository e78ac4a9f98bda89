import http2 from 'node:http2';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/core';
import { must, tempDir } from '../helpers/core';
import { httpsPort } from '../helpers/https-client';
import { withHttpsCore } from '../helpers/https-core';

// h2 through the real HTTPS listener of `switchyard serve --https-port`: ALPN
// picks h2, the certificate is the route's from the local CA (the client
// trusts only the exported root), and the request reaches an HTTP/1.1 backend.

let core: Core;
let root: string;
let port: number;

withHttpsCore((started) => ({ core, root, port } = started), ['api.test.localhost'], {
  handler: (req, res) => {
    if (req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.on('data', (chunk: Buffer) => res.write(chunk));
      req.on('end', () => res.end());
      return;
    }
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: req.httpVersion, proto: req.headers['x-forwarded-proto'], port: req.headers['x-forwarded-port'], host: req.headers.host }));
  },
});

async function connect(): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`https://api.test.localhost:${port}`, {
    ca: root,
    // Resolve the name to loopback ourselves: the test must not depend on the resolver knowing *.localhost.
    createConnection: () => tls.connect({ host: '127.0.0.1', port, servername: 'api.test.localhost', ca: root, ALPNProtocols: ['h2'] }),
  });
  session.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return session;
}

function get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
  });
}

describe('HTTP/2 on the HTTPS listener', () => {
  it('negotiates h2 with a client that trusts only the root and proxies to the HTTP/1.1 backend', async () => {
    const session = await connect();
    const socket = session.socket as tls.TLSSocket;
    expect(socket.alpnProtocol).toBe('h2');
    expect(socket.authorized).toBe(true);
    const answer = await get(session, '/x');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ version: '1.1', proto: 'https', port: String(port), host: `api.test.localhost:${port}` });
    const [record] = (await must(core.run('traffic.list', { limit: 1 }))).records;
    expect(record).toMatchObject({ host: 'api.test.localhost', protocol: 'HTTP/2', tls: 'TLSv1.3', status: 200 });
    session.close();
  });

  it('records the h2 request as sent, query values and credentials redacted in its trace', async () => {
    const session = await connect();
    const stream = session.request({ ':path': '/search?q=s3cret-query', authorization: 'Bearer s3cret-token', 'x-trace': 'kept' });
    stream.resume();
    await new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
    session.close();
    const [record] = (await must(core.run('traffic.list', { limit: 1 }))).records;
    expect(record).toMatchObject({ path: '/search?…', protocol: 'HTTP/2' });
    const trace = await must(core.run('traffic.get', { id: record!.id }));
    const headers = Object.fromEntries(trace.requestHeaders.flatMap((v, i, all) => (i % 2 ? [] : [[v, all[i + 1]]])));
    expect(headers).toMatchObject({ ':method': 'GET', ':path': '/search?…', ':authority': `api.test.localhost:${port}`, authorization: 'REDACTED', 'x-trace': 'kept' });
    expect(JSON.stringify(trace)).not.toContain('s3cret');
  });

  it('streams a request body up and the echo down on the same stream', async () => {
    const session = await connect();
    const stream = session.request({ ':method': 'POST', ':path': '/echo' });
    const parts = ['one ', 'two ', 'three'];
    let received = '';
    const done = new Promise<void>((resolve) => stream.on('end', resolve));
    stream.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      const next = parts.shift();
      if (next === undefined) return;
      if (parts.length === 0) stream.end(next);
      else stream.write(next);
    });
    stream.write('zero ');
    await done;
    expect(received).toBe('zero one two three');
    session.close();
  });

  it('a client offering only http/1.1 still gets HTTP/1.1 on the same port', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'api.test.localhost', ca: root, ALPNProtocols: ['http/1.1'] });
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    expect(socket.alpnProtocol).toBe('http/1.1');
    socket.write('GET /h1 HTTP/1.1\r\nHost: api.test.localhost\r\nConnection: close\r\n\r\n');
    const text = await new Promise<string>((resolve) => {
      let all = '';
      socket.on('data', (chunk: Buffer) => (all += chunk.toString()));
      socket.on('close', () => resolve(all));
    });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
  });

  it('stopping the core with an h2 session open finishes promptly (GOAWAY, then the session closes)', async () => {
    const stopDir = tempDir();
    const stopping = await Core.start({ dataDir: stopDir.path, httpPort: 0, httpsPort: 0, httpAddresses: ['127.0.0.1'] });
    const session = http2.connect(`https://127.0.0.1:${httpsPort(stopping)}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    await new Promise((resolve) => session.once('connect', resolve));
    // One exchange first, so the session is surely the front's (a handshake that ends during the stop gets GOAWAY too).
    const stream = session.request({ ':path': '/' });
    stream.resume();
    await new Promise((resolve) => stream.on('close', resolve));
    const goaway = new Promise<number>((resolve) => session.once('goaway', resolve));
    const started = Date.now();
    await stopping.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    stopDir.remove();
  });
});
