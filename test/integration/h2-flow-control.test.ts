import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import type http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must } from '../helpers/core';
import { withH2Session } from '../helpers/h2-proxy';

// Backpressure across the protocol change, both ways: an h2 client that stops
// reading (its flow-control window closes) pauses the HTTP/1 backend, and an
// HTTP/1 backend that stops reading closes the h2 client's window, so the
// proxy never buffers what one side sends faster than the other takes.

const MiB = 1024 * 1024;
/** Far more than every buffer on the way (loopback socket buffers grow to several MiB): only backpressure keeps the sender below it. */
const bodyBytes = 64 * MiB;
/** What may be in flight with both ends stalled: kernel socket buffers on the backend side plus the h2 windows and stream queues. */
const stalledBound = 24 * MiB;
const chunk = Buffer.alloc(64 * 1024, 'x');
const stallMs = 600;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `total` bytes to `out` as fast as it takes them; `sent()` is how many it took so far. */
function pump(out: NodeJS.WritableStream & { write(c: Buffer): boolean }, total: number, end: () => void): { sent: () => number } {
  let sent = 0;
  const more = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!out.write(chunk)) {
        out.once('drain', more);
        return;
      }
    }
    end();
  };
  more();
  return { sent: () => sent };
}

describe('HTTP/2 flow control and backpressure', () => {
  let core: Core;
  let session: http2.ClientHttp2Session;
  const backend = withH2Session((proxy) => ({ core, session } = proxy));

  it('an h2 client that stops reading pauses the backend; when it reads again the whole body arrives', async () => {
    let pumped: { sent: () => number } | undefined;
    const app = await backend('big', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-length': String(bodyBytes) });
      pumped = pump(res, bodyBytes, () => res.end());
    });
    await must(core.run('routes.create', { host: 'big.localhost', backends: [{ url: app.url }] }));
    const stream = session.request({ ':authority': 'big.localhost', ':path': '/' });
    stream.pause();
    await new Promise((resolve) => stream.once('response', resolve));
    await pause(stallMs);
    const whileStalled = pumped!.sent();
    expect(whileStalled).toBeLessThan(stalledBound);
    let received = 0;
    stream.on('data', (c: Buffer) => (received += c.length));
    stream.resume();
    await new Promise((resolve) => stream.on('end', resolve));
    expect(received).toBe(bodyBytes);
    console.info(`response direction: the backend got ${(whileStalled / MiB).toFixed(1)} MiB out while the h2 client read nothing`);
  });

  it('a backend that stops reading closes the h2 client window; when it reads again the whole body arrives', async () => {
    let backendReq: http.IncomingMessage | undefined;
    let received = 0;
    const done = new Promise<void>((resolve) => {
      void backend('slow-reader', (req, res) => {
        backendReq = req;
        req.pause();
        req.on('end', () => {
          res.end(String(received));
          resolve();
        });
      }).then((app) => must(core.run('routes.create', { host: 'upload.localhost', backends: [{ url: app.url }] })).then(() => start()));
    });
    let pumped: { sent: () => number } | undefined;
    let stream: http2.ClientHttp2Stream | undefined;
    const start = () => {
      stream = session.request({ ':method': 'POST', ':authority': 'upload.localhost', ':path': '/' });
      pumped = pump(stream, bodyBytes, () => stream!.end());
    };
    while (backendReq === undefined) await pause(10);
    await pause(stallMs);
    const whileStalled = pumped!.sent();
    expect(whileStalled).toBeLessThan(stalledBound);
    const answer = new Promise<string>((resolve) => {
      let text = '';
      stream!.on('data', (c: Buffer) => (text += c.toString()));
      stream!.on('end', () => resolve(text));
    });
    backendReq.on('data', (c: Buffer) => (received += c.length));
    backendReq.resume();
    await done;
    expect(received).toBe(bodyBytes);
    expect(await answer).toBe(String(bodyBytes));
    console.info(`request direction: the h2 client got ${(whileStalled / MiB).toFixed(1)} MiB out while the backend read nothing`);
  });
  it('small pieces read one by one arrive intact while the client window is closed: queued chunks keep their memory', async () => {
    const body = randomBytes(256 * 1024);
    const piece = 1024;
    const app = await backend('pieces', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-length': String(body.length) });
      let at = 0;
      // One small write at a time, so each proxy read is small and its write to the h2 stream returns true.
      const timer = setInterval(() => {
        res.write(body.subarray(at, at + piece));
        at += piece;
        if (at >= body.length) {
          clearInterval(timer);
          res.end();
        }
      }, 1);
    });
    await must(core.run('routes.create', { host: 'pieces.localhost', backends: [{ url: app.url }] }));
    const stream = session.request({ ':authority': 'pieces.localhost', ':path': '/' });
    stream.pause();
    await new Promise((resolve) => stream.once('response', resolve));
    // The window (64 KiB) fills, then the proxy queues small chunks behind it.
    await new Promise((resolve) => setTimeout(resolve, stallMs));
    const parts: Buffer[] = [];
    stream.on('data', (part: Buffer) => parts.push(part));
    stream.resume();
    await new Promise((resolve) => stream.on('end', resolve));
    expect(createHash('sha256').update(Buffer.concat(parts)).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });
});
