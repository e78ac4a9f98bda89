import http2 from 'node:http2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { maxConcurrentStreams } from '../../src/main/core/engine/http/h2/h2-server';
import { defaultProxySettings } from '../../src/shared/proxy-settings';
import { must } from '../helpers/core';
import { memoryMiB } from '../helpers/h2-attack';
import { closedWithin, h2Connect, h2Request, withH2Core } from '../helpers/h2-proxy';

// A backend may answer before it read the request body (an error, a redirect,
// a quota refusal). Over HTTP/2 the response then finishes with the client's
// side of the stream still open: the proxy must close the stream itself
// (RST_STREAM NO_ERROR after the whole response, RFC 9113 §8.1, as nginx's
// ngx_http_v2_close_stream does), or every such stream holds one of the
// session's concurrent-stream slots for good. A body that stops arriving
// while the proxy reads it is cut after the listener's head timeout.

const host = 'early.localhost';
const headTimeoutMs = 500;
const keepAliveMs = 300;
/** The sweep's pace and a loaded machine. */
const marginMs = 1_500;
const answerMs = 3_000;
/** More than the stream's initial flow-control window (65,535 bytes): the client must open it for the answer to arrive whole. */
const answerBytes = 100_000;
/** Many sessions' answers: small, so the test measures what streams hold, not the transfer. */
const smallAnswerBytes = 1_000;
const smallBody = Buffer.alloc(1_000, 'b');
const bodyChunk = Buffer.alloc(16 * 1024, 'b');
const sessionsForMemory = 10;
/** The live heap may grow by this much over all the sessions (the records of their requests, pools, caches). */
const heapGrowthMiB = 10;

/** Past the backend's socket and the proxy's buffers, so the proxy must stop reading and the client's window closes. */
const heldBodyBytes = 8 * 1024 * 1024;
/** How long that backend leaves the body unread: several head timeouts. */
const slowReaderWaitMs = headTimeoutMs * 4;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Upload {
  status: number;
  bytes: number;
  ended: boolean;
  rstCode: number;
}

/** A POST that sends one chunk of its body and never ends it; resolves when the stream closes, or undefined when still open after `ms`. */
function unfinishedUpload(session: http2.ClientHttp2Session, path: string, ms: number, body = bodyChunk): Promise<Upload | undefined> {
  return new Promise((resolve) => {
    const stream = session.request({ ':method': 'POST', ':authority': host, ':path': path }, { endStream: false });
    let status = 0;
    let bytes = 0;
    let ended = false;
    const timer = setTimeout(() => resolve(undefined), ms);
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    stream.on('end', () => (ended = true));
    stream.on('error', () => {});
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ status, bytes, ended, rstCode: stream.rstCode ?? 0 });
    });
    stream.write(body);
  });
}

describe('HTTP/2 responses that finish before their request body', () => {
  let core: Core;
  let port: number;
  const backend = withH2Core((proxy) => ({ core, port } = proxy));

  beforeAll(async () => {
    await must(core.run('settings.update', { keepAliveTimeoutMs: keepAliveMs }));
  });

  /** Runs `test` with a short head timeout, which also times a body that stopped arriving; the default (10 s) otherwise. */
  async function withHeadTimeout(test: () => Promise<void>): Promise<void> {
    await must(core.run('settings.update', { requestHeaderTimeoutMs: headTimeoutMs }));
    try {
      await test();
    } finally {
      await must(core.run('settings.update', { requestHeaderTimeoutMs: defaultProxySettings.requestHeaderTimeoutMs }));
    }
  }

  /** A backend that answers every POST at once with `bytes` without reading its body; a GET gets "fine". */
  async function earlyRoute(bytes: number): Promise<void> {
    const app = await backend('early', (req, res) => {
      if (req.method === 'GET') return res.end('fine');
      res.writeHead(200, { 'content-length': bytes });
      res.end(Buffer.alloc(bytes, 'a'));
    });
    await must(core.run('routes.create', { host, backends: [{ url: app.url }] }));
  }

  it(`${maxConcurrentStreams} uploads answered early are each closed with NO_ERROR after their whole answer, and the connection then serves a GET`, async () => {
    await earlyRoute(answerBytes);
    const session = await h2Connect(port);
    const uploads = await Promise.all(Array.from({ length: maxConcurrentStreams }, (_, i) => unfinishedUpload(session, `/up-${i}`, answerMs)));
    const get = await Promise.race([h2Request(session, host, '/after'), pause(answerMs).then(() => undefined)]);
    session.destroy();
    const stillOpen = uploads.filter((upload) => upload === undefined).length;
    expect(stillOpen).toBe(0);
    for (const upload of uploads) expect(upload).toEqual({ status: 200, bytes: answerBytes, ended: true, rstCode: http2.constants.NGHTTP2_NO_ERROR });
    expect(get && { status: get.status, body: get.body.toString() }).toEqual({ status: 200, body: 'fine' });
  });

  it(`${sessionsForMemory} sessions of ${maxConcurrentStreams - 1} such uploads: every stream is released, so each session idles out with GOAWAY and memory is given back`, async () => {
    await earlyRoute(smallAnswerBytes);
    const before = memoryMiB();
    const started = Date.now();
    // One session after another, as a client would pile them up; each keeps its connection until it idles out.
    const results: { open: number; codes: number[]; closing: Promise<{ closed: boolean; goaway: number | undefined }> }[] = [];
    for (let s = 0; s < sessionsForMemory; s++) {
      const session = await h2Connect(port);
      const uploads = await Promise.all(Array.from({ length: maxConcurrentStreams - 1 }, (_, i) => unfinishedUpload(session, `/m-${i}`, answerMs, smallBody)));
      const closing = closedWithin(session, keepAliveMs + marginMs).finally(() => session.destroy());
      results.push({ open: uploads.filter((upload) => upload === undefined).length, codes: uploads.map((upload) => upload?.rstCode ?? -1), closing });
    }
    const closings = await Promise.all(results.map((result) => result.closing));
    const tookMs = Date.now() - started;
    const after = memoryMiB();
    const open = results.reduce((sum, result) => sum + result.open, 0);
    const reset = results.reduce((sum, result) => sum + result.codes.filter((code) => code !== http2.constants.NGHTTP2_NO_ERROR).length, 0);
    const idledOut = closings.filter((closing) => closing.closed && closing.goaway === http2.constants.NGHTTP2_NO_ERROR).length;
    console.info(
      `early answers: ${sessionsForMemory} sessions × ${maxConcurrentStreams - 1} unfinished uploads in ${tookMs} ms: ${open} streams left open, ${reset} closed otherwise than NO_ERROR, ${idledOut} sessions idled out (GOAWAY); ` +
        `heap ${before.heap.toFixed(1)} → ${after.heap.toFixed(1)} MiB, RSS ${before.rss.toFixed(1)} → ${after.rss.toFixed(1)} MiB (client and proxy in one process)`,
    );
    expect({ open, reset, idledOut }).toEqual({ open: 0, reset: 0, idledOut: sessionsForMemory });
    expect(after.heap - before.heap).toBeLessThan(heapGrowthMiB);
  });

  it("a body that stops arriving while the proxy reads it is reset (CANCEL) after the listener's head timeout, and the backend's request is aborted", () =>
    withHeadTimeout(async () => {
      let complete: boolean | undefined;
      const app = await backend('reader', (req, res) => {
        req.on('data', () => {});
        req.on('end', () => res.end('read it all'));
        req.on('close', () => (complete = req.complete));
      });
      await must(core.run('routes.create', { host: 'stall.localhost', backends: [{ url: app.url }] }));
      const session = await h2Connect(port);
      const stream = session.request({ ':method': 'POST', ':authority': 'stall.localhost', ':path': '/stall' }, { endStream: false });
      stream.on('error', () => {});
      const started = Date.now();
      const closed = new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), headTimeoutMs + marginMs + marginMs);
        stream.once('close', () => {
          clearTimeout(timer);
          resolve(stream.rstCode);
        });
      });
      stream.write(bodyChunk);
      const rstCode = await closed;
      const tookMs = Date.now() - started;
      session.destroy();
      expect(rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
      expect(tookMs).toBeGreaterThanOrEqual(headTimeoutMs - 50);
      while (complete === undefined && Date.now() - started < answerMs) await pause(10);
      expect(complete).toBe(false);
    }));

  it('a body the proxy holds back (the backend reads slowly) is not taken for a stalled one', () =>
    withHeadTimeout(async () => {
      const app = await backend('slow-reader', (req, res) => {
        let received = 0;
        req.pause();
        setTimeout(() => {
          req.on('data', (chunk: Buffer) => (received += chunk.length));
          req.on('end', () => res.end(String(received)));
          req.resume();
        }, slowReaderWaitMs);
      });
      await must(core.run('routes.create', { host: 'slow.localhost', backends: [{ url: app.url }] }));
      const session = await h2Connect(port);
      const answer = await h2Request(session, 'slow.localhost', '/big', { method: 'POST', body: Buffer.alloc(heldBodyBytes, 'x') });
      session.destroy();
      expect({ status: answer.status, body: answer.body.toString(), rstCode: answer.rstCode }).toEqual({ status: 200, body: String(heldBodyBytes), rstCode: 0 });
    }));
});
