import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, startCore, tempDir } from '../helpers/core';

const json = JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item ${i}` })) });

function fetchRaw(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host: 'gz.localhost', ...headers }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('compression', () => {
  const dir = tempDir();
  let core: Core;
  let backend: TestBackend;

  beforeAll(async () => {
    backend = await startBackend('gz', (req, res) => {
      if (req.url === '/json') res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      else if (req.url === '/png') res.writeHead(200, { 'content-type': 'image/png' });
      else if (req.url === '/pre') res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      else if (req.url === '/sse') res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(req.url === '/pre' ? zlib.gzipSync(json) : json);
    });
    core = await startCore(dir.path);
    await must(core.run('routes.create', { host: 'gz.localhost', settings: { compression: true }, backends: [{ url: backend.url }] }));
  });
  afterAll(async () => {
    await core.stop();
    await backend.close();
    dir.remove();
  });

  it('gzip or br as the client asks, with Vary and no stale length', async () => {
    const gzip = await fetchRaw(proxyPort(core), '/json', { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers['content-length']).toBeUndefined();
    expect(gzip.headers.vary).toBe('Accept-Encoding');
    expect(zlib.gunzipSync(gzip.body).toString()).toBe(json);
    expect(gzip.body.length).toBeLessThan(json.length / 3);

    const br = await fetchRaw(proxyPort(core), '/json', { 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(json);
  });

  it('leaves alone clients that do not ask, images, streams and what the backend encoded', async () => {
    const plain = await fetchRaw(proxyPort(core), '/json', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(json)));
    expect(plain.body.toString()).toBe(json);
    for (const path of ['/png', '/sse']) {
      expect((await fetchRaw(proxyPort(core), path, { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();
    }
    const pre = await fetchRaw(proxyPort(core), '/pre', { 'accept-encoding': 'gzip, br' });
    expect(pre.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(pre.body).toString()).toBe(json);
  });
});
