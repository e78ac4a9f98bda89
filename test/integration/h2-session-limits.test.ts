import http2 from 'node:http2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { maxConcurrentStreams } from '../../src/main/core/engine/http/h2/h2-server';
import { must, startCore, tempDir } from '../helpers/core';
import { Flag, frame, FrameType, getRequest, RawH2Connection } from '../helpers/h2-frames';
import { closedWithin, h2Connect, h2Request, withH2Core } from '../helpers/h2-proxy';
import { httpsPort } from '../helpers/https-client';

// What an HTTP/2 connection may cost: the same head and keep-alive timeouts
// as an HTTP/1 one (per session, since streams share it), a cap on
// concurrent streams, and a graceful GOAWAY when the listener stops.

const headTimeoutMs = 300;
const keepAliveMs = 300;
/** A stop's grace for streams in flight (the engine's default is 2 s). */
const graceMs = 300;
/** The sweep runs at the shorter timeout's pace; allow it, and a loaded machine, this much more. */
const marginMs = 1_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HTTP/2 session limits', () => {
  let core: Core;
  let port: number;
  const backend = withH2Core((proxy) => ({ core, port } = proxy));

  beforeAll(async () => {
    // Live: the engine tells its h2 front (limitsChanged), as it tells the HTTP/1 servers.
    await must(core.run('settings.update', { requestHeaderTimeoutMs: headTimeoutMs, keepAliveTimeoutMs: keepAliveMs }));
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

    const idle = await h2Connect(port);
    expect((await h2Request(idle, 'idle.localhost')).body.toString()).toBe('quick');
    const closing = closedWithin(idle, keepAliveMs + marginMs);

    const busy = await h2Connect(port);
    const slow = h2Request(busy, 'idle.localhost', '/slow');
    await pause(keepAliveMs * 3);
    expect(busy.closed || busy.destroyed).toBe(false);
    release!();
    expect((await slow).body.toString()).toBe('first last');
    busy.close();

    expect(await closing).toEqual({ closed: true, goaway: http2.constants.NGHTTP2_NO_ERROR });
  });

  it('a connection that sends no complete request in the head timeout is closed: nothing at all, or a header block left open', async () => {
    const silent = await RawH2Connection.open(port);
    const partial = await RawH2Connection.open(port);
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
    const session = await h2Connect(port);
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
    const raw = await RawH2Connection.open(port);
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

  it('stopping sends GOAWAY: the stream in flight finishes and the session closes; past the grace a stream still waiting is reset', async () => {
    const app = await backend('late', (req, res) => {
      req.resume();
      if (req.url === '/late') setTimeout(() => res.end('finished'), 200);
    });
    const stopped = async (path: string, graceMs: number) => {
      const dir = tempDir();
      const stopping = await startCore(dir.path, { httpsPort: 0 });
      await must(stopping.run('routes.create', { host: 'late.localhost', backends: [{ url: app.url }] }));
      const session = await h2Connect(httpsPort(stopping));
      const seen = app.requests.length;
      const answer = h2Request(session, 'late.localhost', path);
      const closing = closedWithin(session, graceMs + marginMs);
      while (app.requests.length === seen) await pause(5);
      const started = Date.now();
      await stopping.engine.close(graceMs);
      const tookMs = Date.now() - started;
      await stopping.stop();
      dir.remove();
      return { answer: await answer, closing: await closing, tookMs };
    };
    const late = await stopped('/late', marginMs * 2);
    expect(late.answer).toMatchObject({ status: 200, ended: true });
    expect(late.answer.body.toString()).toBe('finished');
    expect(late.closing).toEqual({ closed: true, goaway: http2.constants.NGHTTP2_NO_ERROR });
    // It waited for the stream, not for the grace.
    expect(late.tookMs).toBeLessThan(marginMs * 2);

    const stuck = await stopped('/never', graceMs);
    expect(stuck.answer.ended).toBe(false);
    expect(stuck.closing.closed).toBe(true);
    expect(stuck.tookMs).toBeGreaterThanOrEqual(graceMs - 20);
  });
});
