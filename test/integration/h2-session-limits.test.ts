import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { maxConcurrentStreams } from '../../src/main/core/engine/http/h2/h2-server';
import { backendsClosedBy } from '../helpers/backends';
import { must, withCleanCore } from '../helpers/core';
import { Flag, frame, FrameType, getRequest, RawH2Connection } from '../helpers/h2-frames';
import { h2Connect, h2Request, startH2Proxy, type H2Proxy } from '../helpers/h2-proxy';

// What an HTTP/2 connection may cost: the same head and keep-alive timeouts
// as an HTTP/1 one (per session, since streams share it), a cap on
// concurrent streams, and a graceful GOAWAY when the listener stops.

const headTimeoutMs = 300;
const keepAliveMs = 300;
/** The sweep runs at the shorter timeout's pace; allow it, and a loaded machine, this much more. */
const marginMs = 1_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function closedWithin(session: http2.ClientHttp2Session, ms: number): Promise<{ closed: boolean; goaway: number | undefined }> {
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

describe('HTTP/2 session limits', () => {
  let core: Core;
  const cleanups = withCleanCore((c) => (core = c));
  const backend = backendsClosedBy(cleanups);
  let proxy: H2Proxy;

  beforeAll(async () => {
    proxy = await startH2Proxy(core);
    await must(core.run('settings.update', { requestHeaderTimeoutMs: headTimeoutMs, keepAliveTimeoutMs: keepAliveMs }));
    // What the engine's setLimits does for its listeners.
    proxy.front.limitsChanged();
  });
  afterAll(async () => {
    await must(core.run('settings.update', { requestHeaderTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 }));
    await proxy.close();
  });

  it('an idle session is closed with GOAWAY (NO_ERROR) after the keep-alive timeout; one with a quiet open stream is not', async () => {
    let release: (() => void) | undefined;
    const app = await backend('app', (req, res) => {
      req.resume();
      if (req.url !== '/slow') return res.end('quick');
      res.writeHead(200);
      res.write('first ');
      release = () => res.end('last');
    });
    await must(core.run('routes.create', { host: 'idle.localhost', backends: [{ url: app.url }] }));

    const idle = await h2Connect(proxy.port);
    expect((await h2Request(idle, 'idle.localhost')).body.toString()).toBe('quick');
    const closing = closedWithin(idle, keepAliveMs + marginMs);

    const busy = await h2Connect(proxy.port);
    const slow = h2Request(busy, 'idle.localhost', '/slow');
    await pause(keepAliveMs * 3);
    expect(busy.closed || busy.destroyed).toBe(false);
    release!();
    expect((await slow).body.toString()).toBe('first last');
    busy.close();

    expect(await closing).toEqual({ closed: true, goaway: http2.constants.NGHTTP2_NO_ERROR });
  });

  it('a connection that sends no complete request in the head timeout is closed: nothing at all, or a header block left open', async () => {
    const silent = await RawH2Connection.open(proxy.port);
    const partial = await RawH2Connection.open(proxy.port);
    await partial.write(frame(FrameType.HEADERS, 0, 1, getRequest('idle.localhost')));
    const started = Date.now();
    await silent.until(() => silent.closed, headTimeoutMs + marginMs + marginMs);
    await partial.until(() => partial.closed, headTimeoutMs + marginMs + marginMs);
    expect(silent.closed).toBe(true);
    expect(partial.closed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(headTimeoutMs - 50);
    silent.close();
    partial.close();
  });

  it(`advertises ${maxConcurrentStreams} concurrent streams: a client keeps to it, and one that opens more loses the connection before any backend hears of them`, async () => {
    let holding = true;
    const held: (() => void)[] = [];
    const app = await backend('hold', (req, res) => {
      req.resume();
      if (holding) held.push(() => res.end('done'));
      else res.end('done');
    });
    await must(core.run('routes.create', { host: 'hold.localhost', backends: [{ url: app.url }] }));
    const session = await h2Connect(proxy.port);
    expect(session.remoteSettings.maxConcurrentStreams).toBe(maxConcurrentStreams);
    const wanted = maxConcurrentStreams + maxConcurrentStreams / 2;
    const answers = Promise.all(Array.from({ length: wanted }, (_, i) => h2Request(session, 'hold.localhost', `/${i}`)));
    while (held.length < maxConcurrentStreams) await pause(10);
    await pause(100);
    expect(held).toHaveLength(maxConcurrentStreams);
    holding = false;
    held.forEach((answer) => answer());
    expect((await answers).filter((a) => a.status === 200)).toHaveLength(wanted);
    session.close();

    // Raw frames past the acknowledged limit: nghttp2 takes it as a connection error (RFC 9113 §5.1.2 allows a stream or connection error).
    const before = app.requests.length;
    const raw = await RawH2Connection.open(proxy.port);
    await raw.until((frames) => frames.some((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0), marginMs);
    for (let i = 0; i <= maxConcurrentStreams; i++) {
      await raw.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 2 * i + 1, getRequest('hold.localhost', `/raw-${i}`)));
    }
    await raw.until(() => raw.closed, marginMs);
    expect(raw.closed).toBe(true);
    await pause(100);
    expect(app.requests.length - before).toBeLessThanOrEqual(maxConcurrentStreams);
    raw.close();
  });

  it('stopping sends GOAWAY: the stream in flight finishes, the session then closes, and closeAll resets what is left', async () => {
    const stopping = await startH2Proxy(core);
    const app = await backend('late', (req, res) => {
      req.resume();
      if (req.url === '/late') setTimeout(() => res.end('finished'), 200);
    });
    await must(core.run('routes.create', { host: 'late.localhost', backends: [{ url: app.url }] }));
    const session = await h2Connect(stopping.port);
    const late = h2Request(session, 'late.localhost', '/late');
    const closing = closedWithin(session, marginMs * 3);
    while (app.requests.length === 0) await pause(5);
    stopping.front.closeIdleConnections();
    const answer = await late;
    expect(answer).toMatchObject({ status: 200, ended: true });
    expect(answer.body.toString()).toBe('finished');
    expect(await closing).toEqual({ closed: true, goaway: http2.constants.NGHTTP2_NO_ERROR });
    while (stopping.front.sessionCount > 0) await pause(5);

    // A stream whose backend never answers holds its session open through the grace: closeAll cuts it visibly.
    const stuck = await startH2Proxy(core);
    const other = await h2Connect(stuck.port);
    const never = h2Request(other, 'late.localhost', '/never');
    while (app.requests.length < 2) await pause(5);
    stuck.front.closeIdleConnections();
    await pause(100);
    expect(stuck.front.sessionCount).toBe(1);
    stuck.front.closeAllConnections();
    expect(await never).toMatchObject({ ended: false });
    await Promise.all([stopping.close(), stuck.close()]);
  });
});
