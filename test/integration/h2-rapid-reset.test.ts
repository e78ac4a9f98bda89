import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { earlyResetBudget } from '../../src/main/core/engine/http/h2/h2-server';
import type { TestBackend } from '../helpers/backends';
import { must } from '../helpers/core';
import { steadyClient } from '../helpers/h2-attack';
import { attackConnections, attackInRounds, expectContained } from '../helpers/h2-attack-rounds';
import { ErrorCode, Flag, frame, FrameType, getRequest, RawH2Connection, rstStream } from '../helpers/h2-frames';
import { h2Connect, withH2Core } from '../helpers/h2-proxy';

// CVE-2023-44487, HTTP/2 rapid reset: a client opens streams and cancels each
// at once, so the concurrent-stream limit never binds while every stream
// costs the server (and, through a proxy, a backend) work. The offending
// session must end (GOAWAY ENHANCE_YOUR_CALM), backends must not pay for the
// cancelled streams, memory must stay flat, and others must keep being served.

const host = 'target.localhost';
/** Each attacking connection sends at most this many streams (it is cut long before). */
const streamsPerConnection = 5_000;
const attackTimeMs = 10_000;
/** Frames written between yields to the event loop, so the server reads while the attacker writes. */
const batch = 50;

/** Streams past the budget the server may take from reads already under way when it decides. */
const slack = 100;

interface AttackResult {
  sent: number;
  goaway: { lastStreamId: number; code: number } | undefined;
  closed: boolean;
}

/** Client streams the server took before its GOAWAY: odd ids 1..lastStreamId. */
const streamsTaken = (result: AttackResult) => ((result.goaway?.lastStreamId ?? 0) + 1) / 2;

/** HEADERS then RST_STREAM for stream after stream; `gapMs` > 0 puts the reset in a later read than its HEADERS. */
async function rapidReset(port: number, gapMs: number): Promise<AttackResult> {
  const raw = await RawH2Connection.open(port);
  const deadline = Date.now() + attackTimeMs;
  let sent = 0;
  for (let id = 1; sent < streamsPerConnection && !raw.closed && raw.goaway() === undefined && Date.now() < deadline; id += 2) {
    const headers = frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, id, getRequest(host, '/attack'));
    if (gapMs > 0) {
      await raw.write(headers);
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      await raw.write(rstStream(id, ErrorCode.CANCEL));
    } else await raw.write(Buffer.concat([headers, rstStream(id, ErrorCode.CANCEL)]));
    sent += 1;
    if (sent % batch === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await raw.until((frames) => frames.some((f) => f.type === FrameType.GOAWAY), 2_000);
  await raw.until(() => false, 200);
  const result = { sent, goaway: raw.goaway(), closed: raw.closed };
  raw.close();
  return result;
}

describe('HTTP/2 rapid reset (CVE-2023-44487)', () => {
  let core: Core;
  let port: number;
  const backend = withH2Core((proxy) => ({ core, port } = proxy));
  let app: TestBackend;

  async function route(): Promise<void> {
    app = await backend('target', (req, res) => {
      req.resume();
      // A backend that takes a moment, as real ones do: work the attack would pile up.
      setTimeout(() => res.end('ok'), 5);
    });
    await must(core.run('routes.create', { host, backends: [{ url: app.url }] }));
  }

  it('HEADERS + RST_STREAM pairs: no backend request, GOAWAY ENHANCE_YOUR_CALM, flat memory, others still served', async () => {
    await route();
    const run = await attackInRounds(port, host, () => rapidReset(port, 0));
    const { results, before, rounds, served } = run;
    for (const result of results) {
      expect(result.goaway?.code).toBe(ErrorCode.ENHANCE_YOUR_CALM);
      expect(result.closed).toBe(true);
      // The session ends once its early resets pass the budget; the GOAWAY names the last stream the server took.
      expect(streamsTaken(result)).toBeLessThanOrEqual(earlyResetBudget + slack);
    }
    expectContained(run, app);
    console.info(
      `rapid reset: ${results.reduce((n, r) => n + r.sent, 0)} streams sent on ${results.length} connections, the server took ${[...new Set(results.map(streamsTaken))].join('/')} on each before GOAWAY; ` +
        `0 reached the backend; RSS ${before.toFixed(1)} MiB before, ${rounds.map((r) => r.toFixed(1)).join(' → ')} MiB after each round of ${attackConnections}; ` +
        `the steady client got ${served.answered} answers, ${served.failed} failures`,
    );
  });

  it('resets that arrive after their stream was dispatched: each aborts its backend request, and the session still ends at the budget', async () => {
    await route();
    const good = await h2Connect(port);
    const steady = steadyClient(good, host);
    const result = await rapidReset(port, 1);
    const served = await steady.stop();
    good.close();
    expect(result.goaway?.code).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    expect(streamsTaken(result)).toBeLessThanOrEqual(earlyResetBudget + slack);
    expect(app.requests.filter((r) => r.url === '/attack').length).toBeLessThanOrEqual(earlyResetBudget + slack);
    expect(served.failed).toBe(0);
    console.info(`rapid reset, reset a read later: the server took ${streamsTaken(result)} streams, ${app.requests.filter((r) => r.url === '/attack').length} reached the backend`);
  });
});
