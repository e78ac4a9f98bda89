import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { must } from '../helpers/core';
import { ErrorCode, Flag, frame, FrameType, getRequest, headerBlock, RawH2Connection } from '../helpers/h2-frames';
import { h2Connect, h2Request, withH2Core } from '../helpers/h2-proxy';

// RFC 9113 §8.2–8.3 over real frames: a malformed request is a stream error
// and never reaches a backend, while the connection keeps serving good
// requests. These prove the behaviour end to end, not the proxy's own checks
// (h2-headers.ts): nghttp2 refuses nearly all of them before a stream reaches
// the proxy, so with every one of those checks disabled all cases here but
// the Host that differs from :authority still pass (checked). Each check is
// proved by test/unit/h2-headers.test.ts, which fails without it.

const host = 'strict.localhost';
const answerMs = 2_000;
const maxFrame = 16_384;
const smallLimit = 4_096;
const defaultLimit = 16 * 1024;
/** Long enough for the client to have acknowledged the server's SETTINGS. */
const settleMs = 100;

/** A header block split into HEADERS and CONTINUATION frames of at most `maxFrame` bytes. */
function headerFrames(streamId: number, block: Buffer): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < block.length || at === 0; at += maxFrame) {
    const last = at + maxFrame >= block.length;
    const flags = (last ? Flag.END_HEADERS : 0) | (at === 0 ? Flag.END_STREAM : 0);
    frames.push(frame(at === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId, block.subarray(at, at + maxFrame)));
  }
  return Buffer.concat(frames);
}

describe('HTTP/2 header validation', () => {
  let core: Core;
  let port: number;
  const backend = withH2Core((proxy) => ({ core, port } = proxy));
  let app: TestBackend;

  /** Sends one request with `fields` on stream 1, then a good one on stream 3: returns how stream 1 ended and whether 3 was answered. */
  async function attempt(block: Buffer): Promise<{ reset: number | undefined; answered: boolean; goaway: number | undefined }> {
    app = await backend('strict');
    await must(core.run('routes.create', { host, backends: [{ url: app.url }] }));
    const raw = await RawH2Connection.open(port);
    await raw.write(headerFrames(1, block));
    await raw.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 3, getRequest(host, '/good')));
    await raw.until((frames) => frames.some((f) => f.streamId === 3 && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0), answerMs);
    raw.close();
    return { reset: raw.resets().get(1), answered: raw.answered().has(3), goaway: raw.goaway()?.code };
  }

  const goodStart = (extra: [string, string][]) => getRequest(host, '/bad', extra);

  it.each<[string, Buffer]>([
    ['an uppercase header name', goodStart([['X-Upper', '1']])],
    ['Connection', goodStart([['connection', 'close']])],
    ['Keep-Alive', goodStart([['keep-alive', 'timeout=5']])],
    ['Proxy-Connection', goodStart([['proxy-connection', 'keep-alive']])],
    ['Transfer-Encoding', goodStart([['transfer-encoding', 'chunked']])],
    ['Upgrade', goodStart([['upgrade', 'websocket']])],
    ['TE other than trailers', goodStart([['te', 'gzip']])],
    ['no :path', headerBlock([[':method', 'GET'], [':scheme', 'https'], [':authority', host]])],
    ['no :method', headerBlock([[':scheme', 'https'], [':authority', host], [':path', '/bad']])],
    ['a pseudo-header after a regular one', headerBlock([[':method', 'GET'], ['accept', '*/*'], [':scheme', 'https'], [':authority', host], [':path', '/bad']])],
    ['a Host naming another site than :authority', goodStart([['host', 'other.localhost']])],
  ])('%s: RST_STREAM PROTOCOL_ERROR, no backend hears of it, the next stream is answered', async (_what, block) => {
    const result = await attempt(block);
    expect(result).toEqual({ reset: ErrorCode.PROTOCOL_ERROR, answered: true, goaway: undefined });
    expect(app.requests.map((r) => r.url)).toEqual(['/good']);
  });

  it('a field value with surrounding whitespace never reaches the backend (nghttp2 drops the field)', async () => {
    const result = await attempt(goodStart([['x-padded', ' value ']]));
    expect(result.answered).toBe(true);
    for (const seen of app.requests) expect(seen.headers['x-padded']).toBeUndefined();
  });

  it("a header list larger than the listener's maxHeaderBytes is answered 431 and never reaches the backend, also before the client acknowledged the limit", async () => {
    // Below the backend's own 16 KiB, so only the proxy's limit can stop it.
    await must(core.run('settings.update', { maxHeaderBytes: smallLimit }));
    try {
      const big = goodStart([['x-big', 'b'.repeat(smallLimit)]]);
      // Raw frames sent before the server's SETTINGS are acknowledged (what browsers do with their first requests).
      const result = await attempt(big);
      expect(result).toMatchObject({ reset: undefined, answered: true });
      expect(app.requests.map((r) => r.url)).toEqual(['/good']);
      // node's client, once settled: the same answer.
      const session = await h2Connect(port);
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      const answer = await h2Request(session, host, '/big', { headers: { 'x-big': 'b'.repeat(smallLimit) } });
      session.close();
      expect(answer.status === 431 || answer.rstCode !== 0).toBe(true);
      expect(app.requests.map((r) => r.url)).toEqual(['/good']);
    } finally {
      await must(core.run('settings.update', { maxHeaderBytes: defaultLimit }));
    }
  });
});
