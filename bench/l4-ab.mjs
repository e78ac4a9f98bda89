// Interleaved A/B of Switchyard builds on a TCP route in front of a real
// Redis, for telling a relay change's win from this shared machine's noise
// (as bench/ab.mjs does for HTTP).
//   npx electron-vite build && cp -r out node_modules/.l4A   (baseline)
//   ... change, build again, cp -r out node_modules/.l4B
//   node bench/l4-ab.mjs [--case connect|keepalive|pipelined] [--rounds 10] [--seconds 2] [--haproxy] [--pipe] [--cpu-prof DIR] node_modules/.l4A node_modules/.l4B
// A copy whose folder holds a file node-flags runs with those Node flags instead of the bin's.
// Each build's copy lives inside the repo so its imports resolve, and runs
// as its own `serve` with one TCP route to Redis, on core 1; Redis and
// redis-benchmark run on core 0. Each round measures every target once, in
// an order rotated each round; CPU is the scheduler's own per-thread account
// (schedstat, ns), exact even for short runs. The summary gives each build's
// median, and the median of the rounds' own ratios to the first target.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runRedisBenchmark } from './l4-load.mjs';
import { startL4Peer, startRedis } from './l4-peers.mjs';
import { tempDir } from './peers.mjs';
import { buildNodeFlags, freePort, processTree, runMain, runtimeNs, startChild, waitForOutput } from './procs.mjs';
import { median } from './report.mjs';

const LOAD_CORE = 0;
const PROXY_CORE = 1;
const CLI_TIMEOUT_MS = 15_000;
const repoDir = join(new URL('.', import.meta.url).pathname, '..');
const log = (line) => process.stdout.write(`${line}\n`);
const cases = {
  connect: { args: ['-c', '50', '-k', '0', '-t', 'ping_mbulk'], tests: 1, warmRequests: 3_000 },
  keepalive: { args: ['-c', '50', '-t', 'set,get'], tests: 2, warmRequests: 20_000 },
  pipelined: { args: ['-c', '50', '-P', '16', '-t', 'get'], tests: 1, warmRequests: 100_000 },
};

const { values: options, positionals: builds } = parseArgs({
  allowPositionals: true,
  options: {
    case: { type: 'string', default: 'connect' },
    rounds: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '2' },
    haproxy: { type: 'boolean', default: false },
    pipe: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const testCase = cases[options.case];
if (!testCase) throw new Error(`--case is one of ${Object.keys(cases).join(', ')}.`);
const rounds = Number(options.rounds);
const seconds = Number(options.seconds);

/** `serve` from a build copy, pinned, with one TCP route to Redis (the same build's CLI adds it). */
async function startBuild(dir, backendPort) {
  const entry = join(resolve(dir), 'main/headless.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: copy a build there (cp -r out ${dir}).`);
  const dataDir = tempDir('l4-ab');
  const port = await freePort();
  const flags = buildNodeFlags(dir, options['cpu-prof']);
  const serve = ['serve', '--data-dir', dataDir, '--http-port', '0', '--https-port', '0', '--admin-port', '0'];
  const child = startChild(dir, [process.execPath, ...flags, entry, ...serve], { core: PROXY_CORE, cwd: repoDir });
  await waitForOutput(child, /Press Ctrl\+C/);
  const url = `tcp://127.0.0.1:${port}`;
  const cli = spawnSync(process.execPath, [entry, 'route', 'add', url, '--backend', `tcp://127.0.0.1:${backendPort}`, '--set', 'maxConnections=5000', '--data-dir', dataDir], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  if (cli.status !== 0) throw new Error(`${dir}: route add failed: ${(cli.stderr || cli.stdout).trim()}`);
  // Ready once a run goes through (the route's listener opens as the config changes).
  for (let i = 0; i < 50; i++) {
    const probe = await runRedisBenchmark({ port, args: ['-c', '1', '-t', 'ping_mbulk'], requests: 1, core: LOAD_CORE, expectedMs: 1_000 });
    if (!probe.error) return { name: dir, port, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${dir}: the TCP route did not relay a PING.`);
}

async function measure(target, requests, expectedMs) {
  const pids = processTree(target.child.pid);
  const before = runtimeNs(pids);
  const result = await runRedisBenchmark({ port: target.port, args: testCase.args, requests, core: LOAD_CORE, expectedMs });
  if (result.error) return result;
  const cpuSeconds = (runtimeNs(pids) - before) / 1e9;
  return { ...result, cpuUs: (cpuSeconds * 1e6) / result.requests, corePercent: (cpuSeconds / result.seconds) * 100 };
}

const describe = (r) => (r.error ? `FAILED: ${r.error}` : `${r.cpuUs.toFixed(1)} µs, ${r.rps.toFixed(0)}/s, core ${r.corePercent.toFixed(0)}%`);

async function main() {
  if (builds.length === 0) throw new Error('Name at least one build copy, e.g. node bench/l4-ab.mjs node_modules/.l4A node_modules/.l4B');
  log(`L4 A/B (${options.case}): ${builds.join(' vs ')}${options.haproxy ? ' vs haproxy' : ''}${options.pipe ? ' vs node-pipe' : ''}; ${rounds} rounds of about ${seconds} s; load average ${os.loadavg()[0].toFixed(2)}`);
  const redis = await startRedis({ core: LOAD_CORE });
  const targets = [];
  for (const dir of builds) targets.push(await startBuild(dir, redis.port));
  if (options.haproxy) targets.push(await startL4Peer('haproxy', { backendPort: redis.port, core: PROXY_CORE }));
  if (options.pipe) targets.push(await startL4Peer('node-pipe', { backendPort: redis.port, core: PROXY_CORE }));
  const sizes = new Map();
  for (const target of targets) {
    const warm = await measure(target, testCase.warmRequests, testCase.warmRequests);
    if (warm.error) throw new Error(`${target.name}: ${warm.error}`);
    sizes.set(target.name, Math.round((warm.rps * seconds) / testCase.tests));
  }

  const runs = new Map(targets.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    const load = os.loadavg()[0];
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    const results = new Map();
    for (const target of order) {
      const result = await measure(target, sizes.get(target.name), seconds * 1000);
      results.set(target.name, result);
      runs.get(target.name).push(result.cpuUs ?? Number.NaN);
    }
    const first = results.get(targets[0].name).cpuUs;
    const line = targets.map((t) => `${t.name} ${describe(results.get(t.name))}${t === targets[0] ? '' : ` (${((results.get(t.name).cpuUs / first - 1) * 100).toFixed(1)}%)`}`);
    log(`round ${round + 1} (load ${load.toFixed(2)}): ${line.join(' | ')}`);
  }

  log(`\nmedian CPU per ${options.case === 'connect' ? 'connection' : 'op'} (load average now ${os.loadavg()[0].toFixed(2)}):`);
  const base = runs.get(targets[0].name);
  for (const target of targets) {
    const values = runs.get(target.name);
    const ratios = values.map((v, i) => v / base[i]);
    const vsFirst =
      target === targets[0]
        ? ''
        : `, median of the rounds' ratios to ${targets[0].name} ${((median(ratios) - 1) * 100).toFixed(1)}% (lower in ${ratios.filter((r) => r < 1).length} of ${ratios.length})`;
    log(`  ${target.name}: ${median(values).toFixed(1)} µs${vsFirst} (rounds: ${values.map((v) => v.toFixed(1)).join(' ')})`);
  }
  return 0;
}

runMain('l4-ab', main);
