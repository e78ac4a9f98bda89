// Interleaved A/B of Switchyard builds: CPU per request at saturation behind
// the cheap nginx backend, for telling a change's win from this shared
// machine's noise (bench/FINDINGS.md, "Noise").
//   npx electron-vite build && cp -r out node_modules/.outA   (baseline)
//   ... change, build again, cp -r out node_modules/.outB
// A copy whose folder holds a file node-flags runs with those Node flags instead of the bin's; one with a
// file settings (KEY=VALUE lines, e.g. trafficRecords=0) gets them with `switchyard settings --set` first.
//   node bench/ab.mjs [--rounds 6] [--seconds 5] [--connections 64] [--nginx] [--pipe] [--floor] [--cpu-prof DIR] node_modules/.outA node_modules/.outB
// Each build's copy must live inside the repo so its imports resolve. Every
// build runs as its own `serve` (one route to the backend, health checks off)
// on core 1; the backend nginx and wrk run on core 0. Each round measures
// every target once, in an order rotated each round; the report gives every
// round's figures, each build's ratio to the first one in the same round, and
// medians. --nginx adds nginx proxying the same backend, for the ratio the
// target is set against (issue 11: Switchyard ≤ 2× nginx's CPU per request);
// --pipe adds bench/l4-pipe.mjs, Node's floor: bytes piped, nothing parsed;
// --floor adds bench/http-floor.mjs's two floors under an HTTP/1.1 proxy
// on `net`: node-framing (messages framed, upstream connections pooled) and
// node-parse (that, plus both heads parsed and rewritten by Switchyard's code).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBackend } from './backends.mjs';
import { runWrk } from './load.mjs';
import { checkSettingsApplied, HOST, startPeer, tempDir, waitForHttp } from './peers.mjs';
import { buildNodeFlags, freePort, processTree, rssKb, runMain, runtimeNs, startChild, systemTicks, ticksPerSecond, waitForOutput } from './procs.mjs';
import { median } from './report.mjs';

const LOAD_CORE = 0;
const PROXY_CORE = 1;
const WARMUP_SECONDS = 2;
/** How often the peak RSS is sampled during a run (bench/run.mjs samples as often). */
const RSS_SAMPLE_MS = 200;
const repoDir = join(new URL('.', import.meta.url).pathname, '..');
const log = (line) => process.stdout.write(`${line}\n`);

const { values: options, positionals: builds } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    nginx: { type: 'boolean', default: false },
    pipe: { type: 'boolean', default: false },
    floor: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const rounds = Number(options.rounds);
const seconds = Number(options.seconds);
const connections = Number(options.connections);

/** `serve` from a build copy, pinned, with one route for HOST to the backend (the same build's CLI adds it). */
async function startBuild(dir, backendPort) {
  const entry = join(resolve(dir), 'main/headless.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: copy a build there (cp -r out ${dir}).`);
  const dataDir = tempDir('ab');
  const port = await freePort();
  const flags = buildNodeFlags(dir, options['cpu-prof']);
  const serve = ['serve', '--data-dir', dataDir, '--http-port', String(port), '--admin-port', '0'];
  // Builds with an HTTPS listener would all want its default port.
  if (readFileSync(entry, 'utf8').includes('https-port')) serve.push('--https-port', '0');
  const child = startChild(dir, [process.execPath, ...flags, entry, ...serve], { core: PROXY_CORE, cwd: repoDir });
  await waitForOutput(child, /Press Ctrl\+C/);
  const settingsFile = join(dir, 'settings');
  const settings = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8').split('\n').map((line) => line.trim()).filter(Boolean) : [];
  if (settings.length) {
    const set = spawnSync(process.execPath, [entry, 'settings', ...settings.flatMap((s) => ['--set', s]), '--data-dir', dataDir], { encoding: 'utf8', timeout: 15_000 });
    if (set.status !== 0) throw new Error(`${dir}: settings failed: ${(set.stderr || set.stdout).trim()}`);
    const read = spawnSync(process.execPath, [entry, 'settings', '--json', '--data-dir', dataDir], { encoding: 'utf8', timeout: 15_000 });
    if (read.status !== 0) throw new Error(`${dir}: settings --json failed: ${(read.stderr || read.stdout).trim()}`);
    checkSettingsApplied(dir, settings, JSON.parse(read.stdout));
  }
  const cli = spawnSync(process.execPath, [entry, 'route', 'add', HOST, '--backend', `http://127.0.0.1:${backendPort}`, '--set', 'healthCheck=off', '--data-dir', dataDir], { encoding: 'utf8', timeout: 15_000 });
  if (cli.status !== 0) throw new Error(`${dir}: route add failed: ${(cli.stderr || cli.stdout).trim()}`);
  await waitForHttp(dir, port, child);
  return { name: dir, port, child };
}

/** The bare Node pipe (l4-pipe.mjs), pinned as the builds are: the floor under any proxy on `net`. */
async function startPipe(backendPort) {
  const port = await freePort();
  const child = startChild('node-pipe', [process.execPath, join(repoDir, 'bench/l4-pipe.mjs'), String(port), String(backendPort)], { core: PROXY_CORE, cwd: repoDir });
  await waitForOutput(child, /ready/);
  return { name: 'node-pipe', port, child };
}

/** One wrk run on `target`, with the CPU its process tree spent meanwhile (and the kernel's part of it). */
async function measure(target, runSeconds) {
  const pids = processTree(target.child.pid);
  const before = runtimeNs(pids);
  const systemBefore = systemTicks(pids);
  let peakKb = rssKb(pids);
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, rssKb(pids))), RSS_SAMPLE_MS);
  const result = await runWrk({ port: target.port, host: HOST, connections, seconds: runSeconds, core: LOAD_CORE }).finally(() => clearInterval(sampler));
  if (result.error) return result;
  const cpuSeconds = (runtimeNs(pids) - before) / 1e9;
  const systemSeconds = (systemTicks(pids) - systemBefore) / ticksPerSecond;
  return {
    ...result,
    cpuUs: (cpuSeconds * 1e6) / result.requests,
    systemUs: (systemSeconds * 1e6) / result.requests,
    corePercent: (cpuSeconds / result.seconds) * 100,
    peakRssMb: peakKb / 1024,
  };
}

function describe(result) {
  if (result.error) return `FAILED: ${result.error}`;
  const problems = result.non2xx + result.socketErrors ? `, ${result.non2xx} non-2xx, ${result.socketErrors} socket errors` : '';
  return `${result.cpuUs.toFixed(1)} µs/req (sys ${result.systemUs.toFixed(1)}), ${result.rps.toFixed(0)} req/s, core ${result.corePercent.toFixed(0)}%, peak RSS ${result.peakRssMb.toFixed(1)} MB${problems}`;
}

async function main() {
  if (builds.length === 0) throw new Error('Name at least one build copy, e.g. node bench/ab.mjs node_modules/.outA node_modules/.outB');
  log(`A/B: ${builds.join(' vs ')}${options.nginx ? ' vs nginx' : ''}; ${rounds} rounds of ${seconds} s at ${connections} connections; load average ${os.loadavg()[0].toFixed(2)}`);
  const backend = await startBackend('nginx', { core: LOAD_CORE });
  const targets = [];
  for (const dir of builds) targets.push(await startBuild(dir, backend.port));
  if (options.nginx) targets.push(await startPeer('nginx', { backendPort: backend.port, core: PROXY_CORE }));
  if (options.pipe) targets.push(await startPipe(backend.port));
  // The same floors as npm run bench's, started the same way.
  if (options.floor) for (const name of ['node-framing', 'node-parse']) targets.push(await startPeer(name, { backendPort: backend.port, core: PROXY_CORE }));
  for (const target of targets) await measure(target, WARMUP_SECONDS);

  const runs = new Map(targets.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    const results = new Map();
    for (const target of order) {
      const result = await measure(target, seconds);
      results.set(target.name, result);
      runs.get(target.name).push(result.cpuUs ?? Number.NaN);
    }
    const first = results.get(targets[0].name).cpuUs;
    const line = targets.map((t) => `${t.name} ${describe(results.get(t.name))}${t === targets[0] ? '' : ` (${((results.get(t.name).cpuUs / first - 1) * 100).toFixed(1)}%)`}`);
    log(`round ${round + 1}: ${line.join(' | ')}`);
  }

  log('\nmedian CPU per request:');
  const base = median(runs.get(targets[0].name));
  const nginx = options.nginx ? median(runs.get('nginx')) : Number.NaN;
  for (const target of targets) {
    const m = median(runs.get(target.name));
    // The median of each round's own ratio as well: a round that ran on a busier machine moves both of its figures.
    const ratios = runs.get(target.name).map((v, i) => v / runs.get(targets[0].name)[i]);
    const lower = ratios.filter((r) => r < 1).length;
    const vsFirst =
      target === targets[0]
        ? ''
        : `, ${((m / base - 1) * 100).toFixed(1)}% vs ${targets[0].name} (median of the rounds' ratios ${((median(ratios) - 1) * 100).toFixed(1)}%, lower in ${lower} of ${ratios.length})`;
    const perRound = options.nginx ? median(runs.get(target.name).map((v, i) => v / runs.get('nginx')[i])) : Number.NaN;
    const vsNginx = options.nginx && target.name !== 'nginx' ? `, ${(m / nginx).toFixed(2)}× nginx (median of the rounds' ratios ${perRound.toFixed(2)}×)` : '';
    log(`  ${target.name}: ${m.toFixed(1)} µs${vsFirst}${vsNginx} (rounds: ${runs.get(target.name).map((v) => v.toFixed(1)).join(' ')})`);
  }
  return 0;
}

runMain('ab', main);
