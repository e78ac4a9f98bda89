import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, withCore } from '../helpers/core';
import { rawExchange, statuses } from '../helpers/raw';

/** A backend speaking raw HTTP/1.1: `answer` gets the request head and writes to the socket itself. */
async function rawBackend(answer: (head: string, socket: net.Socket) => void): Promise<{ url: string; close(): void; connections: number }> {
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        answer(head, socket);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => server.close(),
    get connections() {
      return state.connections;
    },
  };
}

describe('message framing between client, proxy and backend', () => {
  let core: Core;
  let echo: TestBackend;
  const cleanups: (() => unknown)[] = [];
  withCore((c) => (core = c));

  beforeAll(async () => {
    echo = await startBackend('echo', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`${req.method} ${req.headers['transfer-encoding'] ?? req.headers['content-length'] ?? 'none'} ${Buffer.concat(chunks).toString()}`));
    });
    cleanups.push(() => echo.close());
    await must(core.run('routes.create', { host: 'echo.localhost', settings: { healthCheck: 'off' }, backends: [{ url: echo.url }] }));
  });
  afterAll(() => Promise.all(cleanups.map((c) => c())));

  /** A raw backend behind its own route (checks and retries off), closed after the suite. */
  async function routedRawBackend(host: string, answer: Parameters<typeof rawBackend>[0]): ReturnType<typeof rawBackend> {
    const backend = await rawBackend(answer);
    cleanups.push(() => backend.close());
    await must(core.run('routes.create', { host, settings: { healthCheck: 'off', retries: 0 }, backends: [{ url: backend.url }] }));
    return backend;
  }

  it('forwards a chunked request body whole, still chunked', async () => {
    const { text } = await rawExchange(
      proxyPort(core),
      'POST / HTTP/1.1\r\nHost: echo.localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    expect(statuses(text)).toEqual([200]);
    expect(text).toMatch(/POST chunked hello world$/);
  });

  it('answers pipelined requests in order on one connection', async () => {
    const one = 'POST / HTTP/1.1\r\nHost: echo.localhost\r\nContent-Length: 3\r\n\r\none';
    const two = 'GET / HTTP/1.1\r\nHost: echo.localhost\r\n\r\n';
    const three = 'POST / HTTP/1.1\r\nHost: echo.localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nthree';
    const { text, closed } = await rawExchange(proxyPort(core), one + two + three);
    expect(statuses(text)).toEqual([200, 200, 200]);
    expect(text.indexOf('POST 3 one')).toBeLessThan(text.indexOf('GET none'));
    expect(text.indexOf('GET none')).toBeLessThan(text.indexOf('POST 5 three'));
    expect(closed).toBe(true);
  });

  it('sends 100 Continue to a client that expects it, then the answer', async () => {
    const socket = net.connect(proxyPort(core), '127.0.0.1');
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.write('POST / HTTP/1.1\r\nHost: echo.localhost\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
    await expect.poll(() => text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    socket.write('ping');
    await new Promise((resolve) => socket.on('close', resolve));
    expect(statuses(text)).toEqual([100, 200]);
    expect(text).toMatch(/POST 4 ping$/);
  });

  it('gives an HTTP/1.0 client a response it can frame, then closes', async () => {
    const { text, closed } = await rawExchange(proxyPort(core), 'GET / HTTP/1.0\r\nHost: echo.localhost\r\n\r\n');
    expect(statuses(text)).toEqual([200]);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    expect(text).toMatch(/GET none $/);
    expect(closed).toBe(true);
  });

  it('keeps an HTTP/1.0 connection open when the client asks (ab -k) and the length is known', async () => {
    const wire = 'GET / HTTP/1.0\r\nHost: echo.localhost\r\nConnection: keep-alive\r\n\r\n';
    const { text, closed } = await rawExchange(proxyPort(core), wire + wire);
    expect(statuses(text)).toEqual([200, 200]);
    expect(text.match(/\r\nConnection: keep-alive\r\n/g)).toHaveLength(2);
    expect(closed).toBe(false);
  });

  it('re-frames a chunked backend response for the client and drops interim 1xx answers', async () => {
    await routedRawBackend('chunked.localhost', (_head, socket) =>
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'),
    );
    const res = await request(proxyPort(core), 'chunked.localhost');
    expect(res).toMatchObject({ status: 200, body: 'abcde' });
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers.link).toBeUndefined();
  });

  it('passes on a body delimited by the backend closing, and opens a new connection for the next request', async () => {
    const backend = await routedRawBackend('close.localhost', (_head, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close'));
    for (let i = 0; i < 2; i++) expect(await request(proxyPort(core), 'close.localhost')).toMatchObject({ status: 200, body: 'until close' });
    expect(backend.connections).toBe(2);
  });

  it('reuses one backend connection for sequential requests', async () => {
    const backend = await routedRawBackend('reuse.localhost', (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    for (let i = 0; i < 5; i++) expect(await request(proxyPort(core), 'reuse.localhost')).toMatchObject({ status: 200, body: 'ok' });
    expect(backend.connections).toBe(1);
  });

  it("keeps a backend connection no longer than the backend's Keep-Alive timeout allows", async () => {
    const backend = await routedRawBackend('shortidle.localhost', (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok'));
    for (let i = 0; i < 3; i++) expect(await request(proxyPort(core), 'shortidle.localhost')).toMatchObject({ status: 200, body: 'ok' });
    // One second, less the margin kept against its closing race, leaves nothing to reuse.
    expect(backend.connections).toBe(3);
  });

  it('answers 502 naming the problem when the backend sends something that is not HTTP', async () => {
    await routedRawBackend('garbage.localhost', (_head, socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    const res = await request(proxyPort(core), 'garbage.localhost');
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/malformed response/);
  });

  it('parses a head that arrives a byte at a time, then the next one pipelined behind it', async () => {
    const wire = 'GET /x HTTP/1.1\r\nHost: echo.localhost\r\n\r\nGET /y HTTP/1.1\r\nHost: echo.localhost\r\nConnection: close\r\n\r\n';
    const socket = net.connect({ port: proxyPort(core), host: '127.0.0.1', noDelay: true });
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    await new Promise((resolve) => socket.once('connect', resolve));
    for (const byte of wire) {
      socket.write(byte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => socket.on('close', resolve));
    expect(statuses(text)).toEqual([200, 200]);
  });

  it('answers 502 when the backend frames its body two ways at once (Content-Length and chunked)', async () => {
    await routedRawBackend('twoframings.localhost', (_head, socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
    );
    const res = await request(proxyPort(core), 'twoframings.localhost');
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/both Content-Length and Transfer-Encoding/);
  });

  it('keeps a client connection open across requests (keep-alive)', async () => {
    const wire = 'GET / HTTP/1.1\r\nHost: echo.localhost\r\n\r\n';
    const socket = net.connect(proxyPort(core), '127.0.0.1');
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.write(wire);
    await expect.poll(() => statuses(text).length).toBe(1);
    socket.write(wire);
    await expect.poll(() => statuses(text).length).toBe(2);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});
