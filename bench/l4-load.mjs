// The Layer 4 bench's load generator: redis-benchmark (Debian's redis-tools)
// against a peer in front of a real redis-server, its CSV read back. It runs
// a request count, not a duration, so the harness sizes each run from the
// peer's rate in the warm-up; every run is still killed if it overstays.
import { runBounded } from './load.mjs';
import { pinned } from './procs.mjs';

/** redis-benchmark's client-side timeout does not exist: a stalled run is cut this long past its expected length. */
const EXPECTED_RUN_SLACK_MS = 20_000;

/**
 * Parses redis-benchmark --csv: one line per test ("GET","rps",...).
 * Returns { ops, seconds, rps, p50Ms, p99Ms, perTest } over all the tests
 * of the run, or { error }.
 */
export function parseRedisCsv(out, requestsPerTest) {
  const tests = [];
  for (const line of out.split('\n')) {
    const cells = line.trim().match(/^"([A-Z_]+)","([\d.]+)","([\d.]+)","([\d.]+)","([\d.]+)","([\d.]+)","([\d.]+)"/);
    if (!cells) continue;
    const [, name, rps, , , p50, , p99] = cells;
    tests.push({ name, rps: Number(rps), p50Ms: Number(p50), p99Ms: Number(p99) });
  }
  if (!tests.length || tests.some((t) => !(t.rps > 0))) {
    const lines = out.trim().split('\n').filter((l) => l.trim() && !/WARNING: Keepalive disabled/.test(l));
    return { error: `redis-benchmark printed no result: ${lines.slice(-2).join(' | ') || '(no output)'}` };
  }
  const ops = requestsPerTest * tests.length;
  // Each test ran its requests at its own rate, one test after the other.
  const seconds = tests.reduce((sum, t) => sum + requestsPerTest / t.rps, 0);
  return {
    requests: ops,
    seconds,
    rps: ops / seconds,
    p50Ms: Math.max(...tests.map((t) => t.p50Ms)),
    p99Ms: Math.max(...tests.map((t) => t.p99Ms)),
    perTest: tests.map((t) => `${t.name} ${Math.round(t.rps)}/s`).join(', '),
    non2xx: 0,
    socketErrors: 0,
  };
}

/**
 * One redis-benchmark run on `core`: `requests` per test of `args` (its -c,
 * -P, -k and -t options) against 127.0.0.1:port.
 */
export async function runRedisBenchmark({ port, args, requests, core, expectedMs }) {
  const argv = pinned(core, ['redis-benchmark', '-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '--csv', ...args]);
  const { out, code, signal } = await runBounded(argv, expectedMs + EXPECTED_RUN_SLACK_MS);
  if (signal) return { error: `redis-benchmark killed (${signal}) after overstaying; output: ${out.trim().split('\n').slice(-1)[0] ?? ''}` };
  const result = parseRedisCsv(out, requests);
  if (!result.error && code !== 0) return { error: `redis-benchmark exited ${code}: ${out.trim().split('\n').slice(-1)[0]}` };
  return result;
}
