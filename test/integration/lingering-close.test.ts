import { readdirSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { Http1Server } from '../../src/main/core/engine/http/http1/server';
import { freePort, must, proxyPort, request, withCore } from '../helpers/core';

// Found by the soak: an answer given before the request body was read (a 502
// to an upload whose backend is down, a 404) ended the socket but stopped
// reading it, so the client could never finish sending and the proxy held
// the descriptor for good (20 uploads: 20 sockets in FIN_WAIT2 for 150 s+).
const HOST = 'linger.localhost';
const UPLOADS = 20;
const UPLOAD_BYTES = 300 * 1024;
/** Well under the 5 s lingering_timeout: clients that finish sending are closed promptly, not by the deadline. */
const PROMPT_MS = 3_000;
const POLL_MS = 50;

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

async function until(what: string, test: () => boolean | Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('uploads answered before their body was read (through the proxy)', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('free every descriptor once the clients have sent their bodies (502 from a dead backend, 404 for an unknown host)', async () => {
    const dead = await freePort();
    await must(core.run('routes.create', { host: HOST, backends: [{ url: `http://127.0.0.1:${dead}` }], settings: { healthCheck: 'off' } }));
    const port = proxyPort(core);
    const body = 'x'.repeat(UPLOAD_BYTES);
    const headers = { 'content-length': String(body.length) };
    for (const [host, status] of [[HOST, 502], ['unknown.localhost', 404]] as const) {
      const baseline = openDescriptors();
      const answers = await Promise.all(Array.from({ length: UPLOADS }, () => request(port, host, '/upload', { method: 'POST', body, headers })));
      expect(answers.map((a) => a.status)).toEqual(Array(UPLOADS).fill(status));
      await until(`descriptors back to ${baseline} after ${UPLOADS} × ${status}`, () => openDescriptors() <= baseline, PROMPT_MS);
    }
  });
});

describe('lingering close (nginx ngx_http_set_lingering_close)', () => {
  const LINGERING_TIMEOUT_MS = 200;
  const LINGERING_TIME_MS = 800;
  const TRICKLE_MS = 50;
  /** The sweep runs every lingering timeout, so a deadline is enforced within one more. */
  const SLACK_MS = 2 * LINGERING_TIMEOUT_MS + 300;
  let server: Http1Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sockets: net.Socket[] = [];

  afterEach(async () => {
    clearInterval(timer);
    for (const socket of sockets) socket.destroy();
    sockets = [];
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A server that answers 413 at once, never reading the body. */
  async function earlyAnswerServer(): Promise<number> {
    const s = new Http1Server(
      { headerTimeoutMs: 10_000, keepAliveTimeoutMs: 10_000, maxHeaderBytes: 16 * 1024, lingeringTimeoutMs: LINGERING_TIMEOUT_MS, lingeringTimeMs: LINGERING_TIME_MS },
      (_req, res) => {
        res.writeHead(413, undefined, ['Content-Length', '0']);
        res.end();
      },
      (_req, socket) => socket.destroy(),
    );
    server = s;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return (s.address() as net.AddressInfo).port;
  }

  /** Sends a head announcing a big body and part of it; resolves once the answer arrived, with the write side still open. */
  async function uploader(port: number): Promise<net.Socket> {
    // Half-open allowed: the proxy's FIN does not end our side, so we choose when (or whether) to stop sending.
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(socket);
    socket.on('error', () => {
      // A reset once the proxy gives up is one of the outcomes under test; 'close' follows.
    });
    socket.write(`POST /upload HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${10 * UPLOAD_BYTES}\r\n\r\n`);
    socket.write(Buffer.alloc(UPLOAD_BYTES));
    await new Promise<void>((resolve) => socket.once('data', (chunk: Buffer) => {
      expect(chunk.toString('latin1')).toMatch(/^HTTP\/1\.1 413 /);
      resolve();
    }));
    return socket;
  }

  const connections = (): Promise<number> => new Promise((resolve, reject) => server!.getConnections((error, count) => (error ? reject(error) : resolve(count))));

  /** How long after `since` the server let go of its last connection. */
  async function releasedAfter(since: number): Promise<number> {
    await until('the server let go of the connection', async () => (await connections()) === 0, LINGERING_TIME_MS + SLACK_MS);
    return Date.now() - since;
  }

  it('closes promptly when the client finishes sending, reading what it still sends', async () => {
    const port = await earlyAnswerServer();
    const socket = await uploader(port);
    // The rest of the body is read and discarded, so the client can finish it; its FIN frees the socket at once.
    const sending = Date.now();
    socket.end(Buffer.alloc(9 * UPLOAD_BYTES));
    expect(await releasedAfter(sending)).toBeLessThan(LINGERING_TIMEOUT_MS);
  });

  it(`cuts a client that keeps its write side open and falls silent after lingering_timeout`, async () => {
    const port = await earlyAnswerServer();
    const answeredAt = Date.now();
    await uploader(port);
    const lasted = await releasedAfter(answeredAt);
    expect(lasted).toBeGreaterThanOrEqual(LINGERING_TIMEOUT_MS);
    expect(lasted).toBeLessThan(LINGERING_TIMEOUT_MS + SLACK_MS);
  });

  it('cuts a client that keeps trickling data after lingering_time', async () => {
    const port = await earlyAnswerServer();
    const answeredAt = Date.now();
    const socket = await uploader(port);
    timer = setInterval(() => socket.writable && socket.write('x'), TRICKLE_MS);
    const lasted = await releasedAfter(answeredAt);
    expect(lasted).toBeGreaterThanOrEqual(LINGERING_TIME_MS - TRICKLE_MS);
    expect(lasted).toBeLessThan(LINGERING_TIME_MS + SLACK_MS);
  });
});
