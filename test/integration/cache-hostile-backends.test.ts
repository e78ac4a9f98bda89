import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { must, proxyPort, request, withCore } from '../helpers/core';
import { cachedRoute, expectCacheStatus } from '../helpers/cache';

// What a backend sends must never stop the proxy or poison the cache: a
// body shorter than its Content-Length, one longer, enormous headers, and
// bodies past the per-entry limit (8 MiB) with and without a length.

const perEntryLimit = 8 * 1024 * 1024;
const overLimit = perEntryLimit + 1024 * 1024;
const hugeHeaderCount = 200;
const hugeHeaderBytes = 300;
const hugeClientHeaderBytes = 1024 * 1024;

/** A raw backend that writes `answer` to every connection after reading the request head, then closes; counts connections. */
async function rawBackend(answer: string | Buffer): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => {
      hits += 1;
      socket.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('HTTP cache: hostile backends', () => {
  let core: Core;
  withCore((c) => (core = c));
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
  });

  async function rawRoute(host: string, answer: string | Buffer) {
    const backend = await rawBackend(answer);
    closers.push(backend.close);
    await must(core.run('routes.create', { host, settings: { cache: true, healthCheck: 'off', retries: 0 }, backends: [{ url: backend.url }] }));
    return { backend, get: (path = '/') => request(proxyPort(core), host, path) };
  }

  it('a body shorter than its Content-Length is cut for the client and not stored', async () => {
    const { backend, get } = await rawRoute('short.localhost', 'HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Length: 100\r\n\r\nonly this');
    await expect(get()).rejects.toThrow();
    await expect(get()).rejects.toThrow();
    expect(backend.hits()).toBe(2);
  });

  it('bytes past the Content-Length are not part of the stored body', async () => {
    const { backend, get } = await rawRoute('long.localhost', 'HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Length: 5\r\n\r\nhelloGARBAGE-THAT-IS-NOT-A-RESPONSE');
    expect((await get()).body).toBe('hello');
    const hit = await get();
    expect(hit.body).toBe('hello');
    expectCacheStatus(hit, /^Switchyard; hit/);
    expect(backend.hits()).toBe(1);
  });

  it('enormous response headers: the proxy answers, and keeps answering', async () => {
    const headers = Array.from({ length: hugeHeaderCount }, (_, i) => `X-Big-${i}: ${'v'.repeat(hugeHeaderBytes)}\r\n`).join('');
    const { backend } = await rawRoute('huge.localhost', `HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n${headers}Content-Length: 2\r\n\r\nok`);
    // Node's client refuses more than 16 KiB of headers by default; the proxy passes on what its upstream limit allows.
    const get = () =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: proxyPort(core), headers: { host: 'huge.localhost' }, agent: false, maxHeaderSize: hugeClientHeaderBytes }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          })
          .on('error', reject);
      });
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers['x-big-199']).toHaveLength(hugeHeaderBytes);
    const again = await get();
    expect(again.body).toBe('ok');
    expect(again.headers['cache-status']).toMatch(/^Switchyard; hit/);
    expect(backend.hits()).toBe(1);
    const small = await rawRoute('after-huge.localhost', 'HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Length: 2\r\n\r\nok');
    expect((await small.get()).body).toBe('ok');
  });

  it('a body over the per-entry limit reaches the client whole and is not stored, with or without a length', async () => {
    const big = Buffer.alloc(overLimit, 'a');
    const backends: TestBackend[] = [];
    const announced = await cachedRoute(core, 'big.localhost', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': big.length });
      res.end(big);
    });
    const chunked = await cachedRoute(core, 'bigchunked.localhost', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end(big);
    });
    backends.push(announced.backend, chunked.backend);
    closers.push(...backends.map((b) => () => b.close()));
    const first = await announced.get('/');
    expect(first.body.length).toBe(overLimit);
    expectCacheStatus(first, `Switchyard; fwd=uri-miss; fwd-status=200; detail="not stored: its body of ${overLimit} bytes is over the per-entry limit of ${perEntryLimit}"`);
    await announced.get('/');
    expect(announced.backend.requests).toHaveLength(2);
    expect((await chunked.get('/')).body.length).toBe(overLimit);
    expect((await chunked.get('/')).body.length).toBe(overLimit);
    expect(chunked.backend.requests).toHaveLength(2);
  });
});
