import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { must } from '../helpers/core';
import { attackConnections, attackInRounds, expectContained } from '../helpers/h2-attack-rounds';
import { frame, FrameType, getRequest, headerBlock, RawH2Connection } from '../helpers/h2-frames';
import { withH2Core } from '../helpers/h2-proxy';

// CVE-2024-27316 (and CVE-2024-27983 in Node): a HEADERS frame without
// END_HEADERS followed by endless CONTINUATION frames makes a server buffer
// (and HPACK-decode) a header block that never ends. nghttp2 1.61 (Node
// 20.12.2+) caps a header block at 8 CONTINUATION frames and ends the session;
// this holds that to it through the proxy: the attacker is cut quickly,
// memory stays flat, no backend hears of it, and other clients are served.

const host = 'target.localhost';
/** Frames each attacker tries to send; far past any cap (empty ones are 9 bytes: the socket takes thousands before the close is seen). */
const framesPerConnection = 20_000;
/** What one CONTINUATION carries: a fresh header field, so HPACK has work and state to keep. */
const fieldBytes = 1_000;
const attackTimeMs = 5_000;

interface FloodResult {
  sent: number;
  goaway: { lastStreamId: number; code: number } | undefined;
  closed: boolean;
  tookMs: number;
}

async function continuationFlood(port: number, emptyFrames: boolean): Promise<FloodResult> {
  const raw = await RawH2Connection.open(port);
  const started = Date.now();
  // No END_HEADERS: the block stays open for as long as CONTINUATION frames come.
  await raw.write(frame(FrameType.HEADERS, 0, 1, getRequest(host, '/attack')));
  let sent = 0;
  while (sent < framesPerConnection && !raw.closed && Date.now() - started < attackTimeMs) {
    const payload = emptyFrames ? Buffer.alloc(0) : headerBlock([[`x-flood-${sent}`, 'f'.repeat(fieldBytes)]]);
    await raw.write(frame(FrameType.CONTINUATION, 0, 1, payload));
    sent += 1;
  }
  await raw.until(() => raw.closed, 2_000);
  const result = { sent, goaway: raw.goaway(), closed: raw.closed, tookMs: Date.now() - started };
  raw.close();
  return result;
}

describe('HTTP/2 CONTINUATION flood (CVE-2024-27316)', () => {
  let core: Core;
  let port: number;
  const backend = withH2Core((proxy) => ({ core, port } = proxy));
  let app: TestBackend;

  it.each([
    ['frames each carrying a new header field', false],
    ['empty frames', true],
  ])('%s: the session is closed, memory stays flat, no backend request, others still served', async (_what, emptyFrames) => {
    app = await backend('target');
    await must(core.run('routes.create', { host, backends: [{ url: app.url }] }));
    const run = await attackInRounds(port, host, () => continuationFlood(port, emptyFrames));
    const { results, before, rounds, served } = run;
    for (const result of results) {
      // The server closed the connection: the attacker never closes its own.
      expect(result.closed).toBe(true);
      // An error GOAWAY, unless the close reset the connection before the attacker read it.
      if (result.goaway) expect(result.goaway.code).not.toBe(0);
      // Cut while it was still sending, not when it ran out of time.
      expect(result.tookMs).toBeLessThan(attackTimeMs);
    }
    expectContained(run, app);
    console.info(
      `CONTINUATION flood (${emptyFrames ? 'empty' : `${fieldBytes}-byte fields`}): ${results.length} connections, GOAWAY codes ${[...new Set(results.map((r) => r.goaway?.code ?? 'none seen'))].join(', ')}, ` +
        `frames written before the close was seen ${Math.min(...results.map((r) => r.sent))}–${Math.max(...results.map((r) => r.sent))}, ` +
        `closed within ${Math.max(...results.map((r) => r.tookMs))} ms; RSS ${before.toFixed(1)} MiB before, ${rounds.map((r) => r.toFixed(1)).join(' → ')} MiB after each round of ${attackConnections}; steady client ${served.answered} answers, ${served.failed} failures`,
    );
  });
});
