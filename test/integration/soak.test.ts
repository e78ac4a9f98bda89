import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { assertBuilt, repoRoot } from '../helpers/cli';

// The short variant of `npm run soak`: bench/soak.mjs runs the built
// `switchyard serve` under mixed traffic with backend kills and config
// changes, and says in its exit code and JSON whether anything leaked or
// failed without a deliberate fault to explain it.
const SOAK_SECONDS = 60;
// Start-up, a 10 s warm-up, two 6 s settles and the stop come on top of the
// traffic; the rest is room for a busy machine.
const TIMEOUT_MS = 240_000;
// Far below what the soak holds on a 2-core machine (hundreds per second),
// far above what a stalled proxy would manage.
const MIN_REQUESTS_PER_SECOND = 50;
const MIN_CONFIG_CHANGES = SOAK_SECONDS / 3 - 2;

interface SoakResult {
  load: { requests: number; ok: Record<string, number> };
  errors: { unexplained: Record<string, number>; warmupUnexplained: Record<string, number>; samples: unknown[] };
  faults: { kills: number; restarts: number; configChanges: number; configFailures: string[] };
  proxy: {
    fds: { baseline: number; end: number };
    rssMb: { baseline: number; end: number };
    heapMb: { baseline: number; end: number };
    exit: { code: number | null };
  };
  verdict: { ok: boolean; failures: string[]; fdSlack: number; heapGrowthLimit: number; rssGrowthLimit: number };
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-soak-test-'));
let soak: ChildProcess | undefined;

afterAll(() => {
  // SIGTERM lets the soak stop its own children (procs.mjs's handler) before it exits.
  if (soak && soak.exitCode === null && soak.signalCode === null) process.kill(-soak.pid!, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function runSoak(jsonFile: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join('bench', 'soak.mjs'), '--seconds', String(SOAK_SECONDS), '--json', jsonFile, '--no-build'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  soak = child;
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

it(
  `soak: ${SOAK_SECONDS} s of mixed traffic with backend kills and config changes leaves no leak and no unexplained error`,
  async () => {
    assertBuilt();
    const jsonFile = join(dir, 'soak.json');
    const { code, output } = await runSoak(jsonFile);
    expect(code, output).toBe(0);
    const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as SoakResult;
    expect(result.verdict.failures).toEqual([]);
    expect(total(result.errors.unexplained) + total(result.errors.warmupUnexplained), JSON.stringify(result.errors.samples)).toBe(0);
    expect(result.proxy.fds.end).toBeLessThanOrEqual(result.proxy.fds.baseline + result.verdict.fdSlack);
    expect(result.proxy.heapMb.end).toBeLessThan(result.proxy.heapMb.baseline * (1 + result.verdict.heapGrowthLimit));
    expect(result.proxy.rssMb.end).toBeLessThan(result.proxy.rssMb.baseline * (1 + result.verdict.rssGrowthLimit));
    expect(result.proxy.exit.code).toBe(0);
    expect(result.load.requests).toBeGreaterThan(SOAK_SECONDS * MIN_REQUESTS_PER_SECOND);
    for (const kind of ['keepalive', 'close', 'download', 'upload', 'websocket']) expect(result.load.ok[kind], kind).toBeGreaterThan(0);
    expect(result.faults.kills).toBeGreaterThanOrEqual(3);
    expect(result.faults.restarts).toBe(result.faults.kills);
    expect(result.faults.configChanges).toBeGreaterThanOrEqual(MIN_CONFIG_CHANGES);
    expect(result.faults.configFailures).toEqual([]);
  },
  TIMEOUT_MS,
);
