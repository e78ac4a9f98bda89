import http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must } from '../helpers/core';
import { ErrorCode, Flag, frame, FrameType, headerBlock, RawH2Connection, rstStream } from '../helpers/h2-frames';
import { h2Request, withH2Session } from '../helpers/h2-proxy';

// Stream resets both ways: a client's RST_STREAM aborts the backend request
// (the record flags DC), and a backend that breaks off mid-body makes the
// proxy reset the client's stream, so a short body never looks complete.

const waitFor = async (check: () => boolean, timeoutMs = 3_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('HTTP/2 stream resets', () => {
  let core: Core;
  let port: number;
  let session: http2.ClientHttp2Session;
  const backend = withH2Session((proxy) => ({ core, port, session } = proxy));

  it("a client's RST_STREAM mid-response aborts the backend request, and the record says the client went away (DC)", async () => {
    let backendClosed = false;
    const app = await backend('endless', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      res.on('close', () => (backendClosed = true));
    });
    await must(core.run('routes.create', { host: 'events.localhost', backends: [{ url: app.url }] }));
    const stream = session.request({ ':authority': 'events.localhost', ':path': '/events' });
    stream.on('error', () => {});
    await new Promise((resolve) => stream.once('data', resolve));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor(() => backendClosed);
    const { records } = await must(core.run('traffic.list', {}));
    expect(records.find((r) => r.path === '/events')?.flags).toContain('DC');
  });

  it("a client's RST_STREAM during its upload aborts the backend request, which never sees the body as complete", async () => {
    let complete: boolean | undefined;
    const app = await backend('upload', (req) => {
      req.on('data', () => {});
      req.on('close', () => (complete = req.complete));
    });
    await must(core.run('routes.create', { host: 'upload.localhost', backends: [{ url: app.url }] }));
    // Raw frames: node's client sends END_STREAM before its RST_STREAM, which would make the upload complete.
    const raw = await RawH2Connection.open(port);
    const head = headerBlock([[':method', 'POST'], [':scheme', 'https'], [':authority', 'upload.localhost'], [':path', '/up']]);
    await raw.write(frame(FrameType.HEADERS, Flag.END_HEADERS, 1, head));
    await raw.write(frame(FrameType.DATA, 0, 1, Buffer.alloc(16 * 1024, 'u')));
    await waitFor(() => app.requests.length === 1);
    await raw.write(rstStream(1, ErrorCode.CANCEL));
    await waitFor(() => complete !== undefined);
    expect(complete).toBe(false);
    raw.close();
  });

  it('a backend that breaks off mid-body makes the proxy reset the stream (INTERNAL_ERROR), never end it cleanly', async () => {
    const app = await backend('short', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(10_000, 'a'), () => res.socket?.destroy());
    });
    await must(core.run('routes.create', { host: 'short.localhost', settings: { retries: 0 }, backends: [{ url: app.url }] }));
    const answer = await h2Request(session, 'short.localhost');
    expect(answer.status).toBe(200);
    expect(answer.ended).toBe(false);
    expect(answer.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    expect(answer.body.length).toBeLessThan(100_000);
    // The session itself is fine: the next request on it is answered.
    const app2 = await backend('fine');
    await must(core.run('routes.create', { host: 'fine.localhost', backends: [{ url: app2.url }] }));
    expect((await h2Request(session, 'fine.localhost')).body.toString()).toBe('fine');
  });
});
