// `npm run bench:l4` (also a step of `npm run bench`, after the HTTP and TLS
// parts): a real Redis behind a Switchyard TCP route, driven with
// redis-benchmark, against HAProxy `mode tcp`, nginx `stream` and the bare
// Node pipe relaying the same Redis in the same rounds (issue 13, "L4
// performance"). Writes the "Layer 4" section of bench/RESULTS.md.
//   node bench/l4.mjs [--rounds 5] [--seconds 3] [--peers switchyard,haproxy,...]
//   node bench/l4.mjs --smoke     1 round of about 1 s per case; checks every peer produced numbers, writes nothing
// Redis and redis-benchmark run on core 0, the peer under test on core 1
// (taskset), as bench/run.mjs pins its backend, load and proxy. Peers are
// interleaved within each round (order rotated); medians are reported with
// every round's figures and the 1-minute load average at each round's start.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runRedisBenchmark } from './l4-load.mjs';
import { l4PeerNames, startL4Peer, startRedis } from './l4-peers.mjs';
import { checkL4Targets, printL4Summary, writeL4Section } from './l4-report.mjs';
import { cpuTicks, processTree, rssKb, runMain, setPinning, stopChild, ticksPerSecond } from './procs.mjs';
import { median } from './report.mjs';
import { ensureBuild, has, switchyardVersion } from './tools.mjs';

const LOAD_CORE = 0;
const PROXY_CORE = 1;
const RSS_SAMPLE_MS = 200;
const WARMUP_RUNS = 1;
const log = (line) => process.stdout.write(`${line}\n`);

const { values: flags } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    peers: { type: 'string' },
  },
});
const smoke = flags.smoke;
const config = {
  rounds: Number(flags.rounds ?? (smoke ? 1 : 5)),
  seconds: Number(flags.seconds ?? (smoke ? 1 : 3)),
};
const peerNames = ['direct', ...(flags.peers ? flags.peers.split(',') : l4PeerNames)];
for (const name of peerNames) if (name !== 'direct' && !l4PeerNames.includes(name)) throw new Error(`--peers: no peer ${name} (peers: ${l4PeerNames.join(', ')}).`);
if (!(config.rounds >= 1 && config.seconds > 0)) throw new Error('--rounds is a whole number ≥ 1 and --seconds a number > 0.');
// A whole run: peers × cases × rounds × seconds, the warm-up, starts and slack; cut off well past it.
const limitMs = (peerNames.length * 3 * (config.rounds + WARMUP_RUNS) * (config.seconds + 2) + 120) * 1000 * 2;

/**
 * The issue's three loads. `warmRequests` per test sizes the warm-up run,
 * whose rate then sizes the rounds' runs to about `seconds` each.
 */
const l4Cases = [
  { id: 'keepalive', title: 'GET and SET, 50 keep-alive connections', args: ['-c', '50', '-t', 'set,get'], tests: 2, warmRequests: 20_000, unit: 'ops/s', per: 'op' },
  { id: 'pipelined', title: 'GET, 50 keep-alive connections pipelining 16 requests (-P 16)', args: ['-c', '50', '-P', '16', '-t', 'get'], tests: 1, warmRequests: 100_000, unit: 'ops/s', per: 'op' },
  { id: 'connect', title: 'PING, a new connection per request (-k 0), 50 at a time', args: ['-c', '50', '-k', '0', '-t', 'ping_mbulk'], tests: 1, warmRequests: 5_000, unit: 'connections/s', per: 'connection' },
];
// Fewer would make the clock-tick CPU figures coarse (100 ticks a second).
const MIN_REQUESTS = 2_000;

const watchdog = setTimeout(() => {
  log(`bench:l4: still running after ${limitMs / 1000} s, giving up.`);
  process.exit(2); // the exit hook in procs.mjs kills every child
}, limitMs);

/** One redis-benchmark run of `testCase` through `peer`, with the peer's CPU per op, core share and peak RSS. */
async function measure(peer, testCase, requests, expectedMs) {
  const pids = processTree(peer.child.pid);
  const before = cpuTicks(pids);
  let peakKb = 0;
  const sample = () => (peakKb = Math.max(peakKb, rssKb(pids)));
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  const result = await runRedisBenchmark({ port: peer.port, args: testCase.args, requests, core: LOAD_CORE, expectedMs });
  sample();
  clearInterval(sampler);
  if (result.error) return result;
  const cpuSeconds = (cpuTicks(pids) - before) / ticksPerSecond;
  return { ...result, cpuUsPerOp: (cpuSeconds * 1e6) / result.requests, corePercent: (cpuSeconds / result.seconds) * 100, rssMb: peakKb / 1024 };
}

function describe(r) {
  if (r.error) return `FAILED: ${r.error}`;
  return `${r.rps.toFixed(0)}/s (${r.perTest}), cpu ${r.cpuUsPerOp.toFixed(1)} µs, core ${r.corePercent.toFixed(0)}%, p50 ${r.p50Ms} ms, rss ${r.rssMb.toFixed(1)} MB`;
}

async function startPeers(redis, skip) {
  const peers = [];
  for (const name of peerNames) {
    if (name === 'direct') {
      // Direct's CPU is Redis's own: what every peer's ops also cost core 0.
      peers.push({ name, port: redis.port, child: redis.child, note: 'redis-server itself, no relay' });
      continue;
    }
    try {
      const peer = await startL4Peer(name, { backendPort: redis.port, core: PROXY_CORE });
      peers.push(peer);
      log(`${name} on 127.0.0.1:${peer.port} (pid ${peer.child.pid}), ${peer.note}`);
    } catch (error) {
      skip(name, error.message);
    }
  }
  return peers;
}

/** The warm-up: one run per peer and case, whose rate sizes that peer's runs in the rounds. */
async function warmUp(peers) {
  const rates = new Map();
  log('warming up (the rates size each run) ...');
  for (const peer of peers) {
    for (const testCase of l4Cases) {
      const result = await measure(peer, testCase, testCase.warmRequests, testCase.warmRequests * 10);
      log(`  ${testCase.id.padEnd(9)} ${peer.name.padEnd(10)} ${describe(result)}`);
      rates.set(`${peer.name} ${testCase.id}`, result.error ? undefined : result.rps);
    }
  }
  return rates;
}

async function runRounds(peers) {
  const rates = await warmUp(peers);
  const runs = {}; // case id -> peer -> [result per round]
  const loads = [];
  for (let round = 0; round < config.rounds; round++) {
    loads.push(os.loadavg()[0]);
    log(`round ${round + 1}/${config.rounds} (1-minute load average ${loads.at(-1).toFixed(2)})`);
    const order = peers.map((_, i) => peers[(i + round) % peers.length]);
    for (const testCase of l4Cases) {
      for (const peer of order) {
        const rate = rates.get(`${peer.name} ${testCase.id}`);
        const list = ((runs[testCase.id] ??= {})[peer.name] ??= []);
        if (!rate) {
          list.push({ error: 'failed in the warm-up' });
          continue;
        }
        const requests = Math.max(MIN_REQUESTS, Math.round((rate * config.seconds) / testCase.tests));
        const result = await measure(peer, testCase, requests, config.seconds * 1000);
        list.push(result);
        log(`  ${testCase.id.padEnd(9)} ${peer.name.padEnd(10)} ${describe(result)}`);
      }
    }
  }
  return { runs, loads };
}

/** Medians and each round's figures for one peer in one case. */
function summarize(list) {
  const ok = list.filter((r) => !r.error);
  const pick = (key) => ok.map((r) => r[key]);
  return {
    rps: median(pick('rps')),
    cpuUs: median(pick('cpuUsPerOp')),
    corePercent: median(pick('corePercent')),
    p50Ms: median(pick('p50Ms')),
    p99Ms: median(pick('p99Ms')),
    rssMb: Math.max(0, ...pick('rssMb')),
    perRound: list.map((r) => (r.error ? NaN : r.rps)),
    perRoundCpuUs: list.map((r) => (r.error ? NaN : r.cpuUsPerOp)),
    errors: [...new Set(list.filter((r) => r.error).map((r) => r.error))],
  };
}

async function main() {
  const missing = ['redis-server', 'redis-benchmark'].filter((tool) => !has(tool));
  if (missing.length) {
    log(`bench:l4: skipped: ${missing.join(' and ')} not installed (apt-get install redis-server redis-tools).`);
    return 0;
  }
  setPinning(has('taskset') && os.availableParallelism() >= 2);
  const loadAtStart = os.loadavg()[0];
  log(`Switchyard Layer 4 bench${smoke ? ' (smoke)' : ''}: ${config.rounds} round(s), about ${config.seconds} s per case and peer; 1-minute load average ${loadAtStart.toFixed(2)}`);
  const switchyard = switchyardVersion();
  const skipped = [];
  const skip = (name, reason) => {
    skipped.push({ name, reason });
    log(`skip ${name}: ${reason}`);
  };
  if (peerNames.includes('switchyard')) ensureBuild(log, { onlyIfStale: smoke });
  const started = new Date().toISOString();
  const redis = await startRedis({ core: LOAD_CORE });
  log(`redis-server on 127.0.0.1:${redis.port} (pid ${redis.child.pid})`);
  const peers = await startPeers(redis, skip);
  const { runs, loads } = await runRounds(peers);
  await Promise.all(peers.map((p) => stopChild(p.child)));

  const results = Object.fromEntries(l4Cases.map((c) => [c.id, Object.fromEntries(Object.entries(runs[c.id] ?? {}).map(([name, list]) => [name, summarize(list)]))]));
  const run = { started, switchyard, loadAtStart, loadAtEnd: os.loadavg()[0], loads, config, cases: l4Cases, results, skipped, notes: Object.fromEntries(peers.map((p) => [p.name, p.note])) };
  const checks = checkL4Targets(results);
  printL4Summary(run, checks, log);

  const failures = [
    ...skipped.map((s) => `${s.name} did not run: ${s.reason}`),
    ...l4Cases.flatMap((c) => Object.entries(results[c.id]).filter(([, s]) => s.errors.length || !(s.rps > 0)).map(([name, s]) => `${c.id} ${name}: ${s.errors[0] ?? 'no numbers'}`)),
  ];
  if (smoke) {
    log(failures.length ? `\nSMOKE FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}` : '\nSMOKE OK: every peer relayed Redis and produced numbers.');
    return failures.length ? 1 : 0;
  }
  if (failures.length) log(`\nproblems:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  log(`\n${writeL4Section(run, checks)}`);
  return 0;
}

runMain('bench:l4', main, () => clearTimeout(watchdog));
