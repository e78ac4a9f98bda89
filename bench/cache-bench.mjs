// `npm run bench:cache` (also a step of `npm run bench`): cache hits.
// Switchyard with `cache=on` against nginx's proxy_cache, both in front of
// the same cheap nginx backend whose small answer carries max-age, in the
// same interleaved rounds; Switchyard without the cache and the backend
// itself run beside them for what a hit saves. Every peer is checked to
// answer from its cache before the rounds (Cache-Status / X-Cache-Status),
// and the backend's CPU during each peer's runs shows whether it was asked.
// Writes the "HTTP cache" section of bench/RESULTS.md.
//   node bench/cache-bench.mjs [--rounds 5] [--seconds 3] [--connections 64]
//   node bench/cache-bench.mjs --smoke     1 round of 1 s; checks every peer hit its cache and produced numbers, writes nothing
// The backend and wrk run on core 0, the peer under test on core 1 (taskset), as in bench/run.mjs.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { cacheCheckTargets, printCacheSummary, writeCacheSection } from './cache-bench-report.mjs';
import { cachePeerNames, probeCacheState, startCacheBackend, startCachePeer } from './cache-bench-peers.mjs';
import { runWrk } from './load.mjs';
import { HOST } from './peers.mjs';
import { cpuTicks, processTree, rssKb, runMain, setPinning, stopChild, ticksPerSecond } from './procs.mjs';
import { median } from './report.mjs';
import { ensureBuild, has, switchyardVersion } from './tools.mjs';

const LOAD_CORE = 0;
const PROXY_CORE = 1;
const RSS_SAMPLE_MS = 200;
const WARMUP_SECONDS = 1;
const log = (line) => process.stdout.write(`${line}\n`);

const { values: flags } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string', default: '64' },
  },
});
const smoke = flags.smoke;
const config = { rounds: Number(flags.rounds ?? (smoke ? 1 : 5)), seconds: Number(flags.seconds ?? (smoke ? 1 : 3)), connections: Number(flags.connections) };
if (!(config.rounds >= 1 && config.seconds > 0 && config.connections >= 1)) throw new Error('--rounds and --connections are whole numbers ≥ 1 and --seconds a number > 0.');
const limitMs = (cachePeerNames.length * (config.rounds + 1) * (config.seconds + 2) + 120) * 1000 * 2;

const watchdog = setTimeout(() => {
  log(`bench:cache: still running after ${limitMs / 1000} s, giving up.`);
  process.exit(2); // the exit hook in procs.mjs kills every child
}, limitMs);

/** One wrk run on `peer`: its req/s, latency, CPU per request and peak RSS, and the backend's CPU per request meanwhile. */
async function measure(peer, backend, seconds) {
  const pids = processTree(peer.child.pid);
  const backendPids = processTree(backend.child.pid);
  const before = cpuTicks(pids);
  const backendBefore = cpuTicks(backendPids);
  let peakKb = 0;
  const sample = () => (peakKb = Math.max(peakKb, rssKb(pids)));
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  const result = await runWrk({ port: peer.port, host: HOST, connections: config.connections, seconds, core: LOAD_CORE });
  sample();
  clearInterval(sampler);
  if (result.error || !(result.requests > 0)) return result.error ? result : { ...result, error: 'no request succeeded' };
  const cpuSeconds = (cpuTicks(pids) - before) / ticksPerSecond;
  const backendSeconds = (cpuTicks(backendPids) - backendBefore) / ticksPerSecond;
  return {
    ...result,
    cpuUs: (cpuSeconds * 1e6) / result.requests,
    backendCpuUs: (backendSeconds * 1e6) / result.requests,
    corePercent: (cpuSeconds / result.seconds) * 100,
    rssMb: peakKb / 1024,
  };
}

function describe(r) {
  if (r.error) return `FAILED: ${r.error}`;
  const errors = r.non2xx || r.socketErrors ? `, NON-2XX ${r.non2xx}, SOCKET ERRORS ${r.socketErrors}` : '';
  return `${r.rps.toFixed(0)} req/s, cpu ${r.cpuUs.toFixed(1)} µs/req (backend ${r.backendCpuUs.toFixed(1)}), core ${r.corePercent.toFixed(0)}%, p50 ${r.p50Ms.toFixed(3)} ms, rss ${r.rssMb.toFixed(1)} MB${errors}`;
}

function summarize(list) {
  const ok = list.filter((r) => !r.error);
  const pick = (key) => ok.map((r) => r[key]);
  return {
    rps: median(pick('rps')),
    cpuUs: median(pick('cpuUs')),
    backendCpuUs: median(pick('backendCpuUs')),
    corePercent: median(pick('corePercent')),
    p50Ms: median(pick('p50Ms')),
    p99Ms: median(pick('p99Ms')),
    rssMb: Math.max(0, ...pick('rssMb')),
    perRound: list.map((r) => (r.error ? NaN : r.rps)),
    perRoundCpuUs: list.map((r) => (r.error ? NaN : r.cpuUs)),
    non2xx: ok.reduce((s, r) => s + r.non2xx, 0),
    socketErrors: ok.reduce((s, r) => s + r.socketErrors, 0),
    errors: [...new Set(list.filter((r) => r.error).map((r) => r.error))],
  };
}

async function main() {
  const missing = ['wrk', 'nginx'].filter((tool) => !has(tool));
  if (missing.length) throw new Error(`missing: ${missing.join(', ')} (apt-get install wrk nginx-light).`);
  setPinning(has('taskset') && os.availableParallelism() >= 2);
  const loadAtStart = os.loadavg()[0];
  log(`Switchyard HTTP cache bench${smoke ? ' (smoke)' : ''}: ${config.rounds} round(s), ${config.seconds} s per peer, ${config.connections} connections; 1-minute load average ${loadAtStart.toFixed(2)}`);
  const switchyard = switchyardVersion();
  ensureBuild(log, { onlyIfStale: smoke });
  const started = new Date().toISOString();
  const backend = await startCacheBackend({ core: LOAD_CORE });
  log(`backend nginx on 127.0.0.1:${backend.port} (${backend.note})`);
  const peers = [];
  for (const name of cachePeerNames) {
    const peer = name === 'direct' ? { name, port: backend.port, child: backend.child, note: 'the backend itself' } : await startCachePeer(name, { backendPort: backend.port, core: PROXY_CORE });
    peers.push(peer);
    log(`${name} on 127.0.0.1:${peer.port} (pid ${peer.child.pid}), ${peer.note}`);
  }
  log('warming up ...');
  for (const peer of peers) await measure(peer, backend, WARMUP_SECONDS);
  // After the warm-up, every cached peer must answer from its cache (and the uncached one must not).
  const states = {};
  for (const peer of peers) {
    states[peer.name] = await probeCacheState(peer);
    log(`  ${peer.name}: ${states[peer.name].text}`);
  }

  const runs = Object.fromEntries(peers.map((p) => [p.name, []]));
  const loads = [];
  for (let round = 0; round < config.rounds; round++) {
    loads.push(os.loadavg()[0]);
    log(`round ${round + 1}/${config.rounds} (1-minute load average ${loads.at(-1).toFixed(2)})`);
    for (const peer of peers.map((_, i) => peers[(i + round) % peers.length])) {
      const result = await measure(peer, backend, config.seconds);
      runs[peer.name].push(result);
      log(`  ${peer.name.padEnd(18)} ${describe(result)}`);
    }
  }
  await Promise.all([...peers.map((p) => p.child), backend.child].map((child) => stopChild(child)));

  const results = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, summarize(list)]));
  const run = { started, switchyard, loadAtStart, loadAtEnd: os.loadavg()[0], loads, config, results, states, backendNote: backend.note, notes: Object.fromEntries(peers.map((p) => [p.name, p.note])) };
  const checks = cacheCheckTargets(results);
  printCacheSummary(run, checks, log);
  const failures = [
    ...Object.entries(states).filter(([, s]) => !s.ok).map(([name, s]) => `${name}: ${s.text}`),
    ...Object.entries(results).filter(([, s]) => s.errors.length || s.non2xx || s.socketErrors || !(s.rps > 0)).map(([name, s]) => `${name}: ${s.errors[0] ?? `${s.non2xx} non-2xx, ${s.socketErrors} socket errors`}`),
  ];
  if (smoke) {
    log(failures.length ? `\nSMOKE FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}` : '\nSMOKE OK: every peer answered from its cache (or, uncached, did not) and produced numbers.');
    return failures.length ? 1 : 0;
  }
  if (failures.length) log(`\nproblems:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  log(`\n${writeCacheSection(run, checks)}`);
  return 0;
}

runMain('bench:cache', main, () => clearTimeout(watchdog));
