import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, startCore, tempDir } from '../helpers/core';
import { peakRssGrowth } from '../helpers/memory';

const MB = 1024 * 1024;
const total = 100 * MB;
const GB = 1024 * MB;
const chunk = Buffer.alloc(MB, 'switchyard-');
// Bytes that never repeat, so a proxy handing out memory it reuses (or
// reordering chunks) cannot go unnoticed.
const varied = randomBytes(16 * MB);
const variedSha = createHash('sha256').update(varied).digest('hex');

/**
 * These tests interlock the two ends: the sender will not send the rest of a
 * 100 MB body until the receiver has seen the first megabyte. A proxy that
 * buffered the body would deadlock them, and the test would time out.
 */
describe('streaming bodies through the proxy', () => {
  const dir = tempDir();
  let core: Core;
  let backend: TestBackend;
  let firstUploadBytes: () => void = () => {};
  let releaseDownload: () => void = () => {};
  let blockedAt: Promise<number> | undefined;

  beforeAll(async () => {
    backend = await startBackend('stream', (req, res) => {
      if (req.url === '/upload') {
        const hash = createHash('sha256');
        let received = 0;
        req.on('data', (data: Buffer) => {
          if (received === 0) firstUploadBytes();
          received += data.length;
          hash.update(data);
        });
        req.on('end', () => res.end(JSON.stringify({ received, sha256: hash.digest('hex') })));
        return;
      }
      if (req.url === '/download') {
        res.writeHead(200, { 'content-length': String(total) });
        res.write(chunk);
        const gate = new Promise<void>((resolve) => (releaseDownload = resolve));
        void gate.then(async () => {
          for (let sent = MB; sent < total; sent += MB) {
            if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
          }
          res.end();
        });
        return;
      }
      if (req.url === '/gigabyte') {
        res.writeHead(200, { 'content-length': String(GB) });
        void (async () => {
          for (let sent = 0; sent < GB; sent += MB) {
            if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
          }
          res.end();
        })();
        return;
      }
      if (req.url === '/varied') {
        res.writeHead(200, { 'content-length': String(varied.length) });
        res.end(varied);
        return;
      }
      if (req.url === '/slow-reader') {
        // Writes as fast as the proxy accepts; records how much it got out
        // before backpressure stopped it.
        let written = 0;
        blockedAt = new Promise((resolve) => {
          const pump = () => {
            while (written < total) {
              written += MB;
              if (!res.write(chunk)) {
                res.once('drain', pump);
                setTimeout(() => resolve(written), 300).unref();
                return;
              }
            }
            res.end();
            resolve(written);
          };
          pump();
        });
        res.on('close', () => void 0);
      }
    });
    core = await startCore(dir.path);
    await must(core.run('routes.create', { host: 'stream.localhost', backends: [{ url: backend.url }] }));
  });
  afterAll(async () => {
    await core.stop();
    await backend.close();
    dir.remove();
  });

  it('streams a 100 MB upload: the backend sees bytes before the client has sent them all', async () => {
    const backendStarted = new Promise<void>((resolve) => (firstUploadBytes = resolve));
    const expected = createHash('sha256');
    const result = await new Promise<{ received: number; sha256: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: proxyPort(core), method: 'POST', path: '/upload', headers: { host: 'stream.localhost' } },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(JSON.parse(body)));
        },
      );
      req.on('error', reject);
      req.write(chunk);
      expected.update(chunk);
      void backendStarted.then(async () => {
        for (let sent = MB; sent < total; sent += MB) {
          expected.update(chunk);
          if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
        }
        req.end();
      });
    });
    expect(result).toEqual({ received: total, sha256: expected.digest('hex') });
  });

  it('streams a 100 MB download: the client sees bytes before the backend has sent them all', async () => {
    const received = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: proxyPort(core), path: '/download', headers: { host: 'stream.localhost' } }, (res) => {
          let count = 0;
          res.on('data', (data: Buffer) => {
            if (count === 0) releaseDownload();
            count += data.length;
          });
          res.on('end', () => resolve(count));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(received).toBe(total);
  });

  it('a 1 GB download and a 1 GB upload leave memory flat', async () => {
    const download = await peakRssGrowth(
      () =>
        new Promise<void>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port: proxyPort(core), path: '/gigabyte', headers: { host: 'stream.localhost' } }, (res) => {
              let count = 0;
              res.on('data', (data: Buffer) => (count += data.length));
              res.on('end', () => (count === GB ? resolve() : reject(new Error(`got ${count} bytes`))));
              res.on('error', reject);
            })
            .on('error', reject);
        }),
    );
    const upload = await peakRssGrowth(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port: proxyPort(core), method: 'POST', path: '/upload', headers: { host: 'stream.localhost', 'content-length': String(GB) } },
            (res) => {
              let body = '';
              res.on('data', (d) => (body += d));
              res.on('end', () => ((JSON.parse(body) as { received: number }).received === GB ? resolve() : reject(new Error(body))));
            },
          );
          req.on('error', reject);
          void (async () => {
            for (let sent = 0; sent < GB; sent += MB) {
              if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
            }
            req.end();
          })();
        }),
    );
    // A proxy that buffered would grow by the gigabyte; socket buffers and
    // garbage not yet collected stay far below this.
    expect(download).toBeLessThan(200 * MB);
    expect(upload).toBeLessThan(200 * MB);
  }, 60_000);

  it('a download read in fits and starts arrives byte for byte', async () => {
    const sha = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: proxyPort(core), path: '/varied', headers: { host: 'stream.localhost' } }, (res) => {
          const hash = createHash('sha256');
          res.on('data', (data: Buffer) => {
            hash.update(data);
            // A reader slower than the backend keeps the socket buffers full,
            // so the proxy's writes to it are often only partly taken.
            res.pause();
            setTimeout(() => res.resume(), 1);
          });
          res.on('end', () => resolve(hash.digest('hex')));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(sha).toBe(variedSha);
  });

  it('applies backpressure: a client that stops reading stops the backend long before 100 MB', async () => {
    const req = http.get({ host: '127.0.0.1', port: proxyPort(core), path: '/slow-reader', headers: { host: 'stream.localhost' } });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    res.pause();
    await new Promise((resolve) => setTimeout(resolve, 100));
    while (!blockedAt) await new Promise((resolve) => setTimeout(resolve, 10));
    const written = await blockedAt;
    // Socket buffers on both hops hold a few MB at most; a buffering proxy would take all 100.
    expect(written).toBeLessThan(total / 2);
    req.destroy();
  });
});
