// `npm run bench`: Switchyard versus nginx, HAProxy and http-proxy (and the
// backend direct), all proxying the same backend on 127.0.0.1.
//   node bench/run.mjs           full run (5 rounds), writes bench/RESULTS.md
//   node bench/run.mjs --smoke   one round, 1 s per case; exits non-zero unless
//                                every tool ran and produced numbers
// The backend and the load generators run on core 0, the proxy under test on
// core 1 (taskset). Targets are interleaved within each round; medians are reported.
// HTTP cases put a cheap nginx behind every target, the WebSocket case the Node
// backend (bench/backends.mjs says why); each backend's cases run as one group.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { backendDescriptions, startBackend } from './backends.mjs';
import { runWrk, runWsEcho } from './load.mjs';
import { HOST, peerNames, startPeer } from './peers.mjs';
import { cpuTicks, processTree, rssKb, runMain, setPinning, stopAll, stopChild, ticksPerSecond } from './procs.mjs';
import { caseTable, checkTargets, problems, renderResults, summarize, targetsTable } from './report.mjs';
import { ensureBuild, ensureTools, machineInfo, switchyardVersion } from './tools.mjs';

const smoke = process.argv.includes('--smoke');
const benchDir = new URL('.', import.meta.url).pathname;
const LOAD_CORE = 0;
const PROXY_CORE = 1;
const config = smoke
  ? { rounds: 1, seconds: 1, wsSeconds: 1, warmupSeconds: 0, limitMs: 3 * 60_000 }
  : { rounds: 5, seconds: 3, wsSeconds: 3, warmupSeconds: 1, limitMs: 14 * 60_000 };
const cases = [
  { id: 'small-c1', title: 'Small responses, 1 connection', kind: 'http', path: '/', connections: 1, unit: 'req/s', backend: 'nginx' },
  { id: 'small-c64', title: 'Small responses, 64 connections', kind: 'http', path: '/', connections: 64, unit: 'req/s', backend: 'nginx' },
  { id: 'body-1mb', title: '1 MB bodies, 8 connections', kind: 'http', path: '/1mb', connections: 8, unit: 'MB/s', backend: 'nginx' },
  { id: 'ws-echo', title: 'WebSocket echo, 16 connections, 32-byte messages', kind: 'ws', connections: 16, unit: 'msgs/s', backend: 'node' },
];
// Targets measured in some cases only (every other target runs in every case):
// the record-off build is there to price the traffic record per small request,
// Node's floors (bench/http-floor.mjs) to place the CPU target at saturation.
const onlyIn = { 'switchyard-norecord': ['small-c1', 'small-c64'], 'node-framing': ['small-c64'], 'node-parse': ['small-c64'] };
const runsIn = (name, testCase) => !onlyIn[name] || onlyIn[name].includes(testCase.id);
const log = (line) => process.stdout.write(`${line}\n`);

// Everything stops by itself: a hard limit on the whole run.
const watchdog = setTimeout(() => {
  log(`bench: still running after ${config.limitMs / 1000} s, giving up.`);
  process.exit(2); // the exit hook in procs.mjs kills every child
}, config.limitMs);

/** One measurement: load on `peer` for one case, with the proxy's CPU and RSS. */
async function measure(peer, testCase, seconds) {
  const pids = peer.child ? processTree(peer.child.pid) : [];
  const cpuBefore = cpuTicks(pids);
  let peakKb = 0;
  const sample = () => (peakKb = Math.max(peakKb, rssKb(pids)));
  const sampler = setInterval(sample, 200);
  const load = { port: peer.port, host: HOST, connections: testCase.connections, core: LOAD_CORE };
  const result =
    testCase.kind === 'ws'
      ? await runWsEcho({ ...load, seconds })
      : await runWrk({ ...load, path: testCase.path, seconds });
  sample();
  clearInterval(sampler);
  if (result.error) return result;
  result.throughput = testCase.kind === 'ws' ? result.msgps : testCase.unit === 'MB/s' ? result.mbps : result.rps;
  if (pids.length && result.requests > 0) {
    const cpuSeconds = (cpuTicks(pids) - cpuBefore) / ticksPerSecond;
    result.cpuUsPerReq = (cpuSeconds * 1e6) / result.requests;
    // How close the proxy ran to a whole core: CPU per request compares proxies at saturation only if this is near 100%.
    result.corePercent = (cpuSeconds / result.seconds) * 100;
    result.rssMb = peakKb / 1024;
  }
  return result;
}

function describe(result, testCase) {
  if (result.error) return `FAILED: ${result.error}`;
  const parts = [`${result.throughput.toFixed(testCase.unit === 'MB/s' ? 1 : 0)} ${testCase.unit}`];
  if (result.p50Ms !== undefined) parts.push(`p50 ${result.p50Ms.toFixed(3)} ms`, `p99 ${result.p99Ms.toFixed(3)} ms`);
  if (result.cpuUsPerReq !== undefined) {
    parts.push(`cpu ${result.cpuUsPerReq.toFixed(1)} µs/${testCase.kind === 'ws' ? 'msg' : 'req'}`, `core ${result.corePercent.toFixed(0)}%`, `rss ${result.rssMb.toFixed(1)} MB`);
  }
  if (result.non2xx) parts.push(`NON-2XX ${result.non2xx}`);
  if (result.socketErrors) parts.push(`SOCKET ERRORS ${result.socketErrors}`);
  return parts.join(', ');
}

function methodText(pinning, notes) {
  const casesOf = (backend) => cases.filter((c) => c.backend === backend).map((c) => c.title).join('; ');
  const configured = Object.entries(notes).map(([name, note]) => `${name}: ${note}`).join(', ');
  return [
    `- Backends (on core ${LOAD_CORE} with the load generator, so every target meets the same backend cost):`,
    ...Object.keys(backendDescriptions).map((b) => `  - ${casesOf(b)}: ${backendDescriptions[b]}.`),
    `  The nginx backend costs far less per request than any proxy (direct's CPU column), so it no longer caps the proxies the way the`,
    `  Node backend did; "core %" says how close to a whole core each proxy ran, i.e. how near saturation its CPU per request was measured.`,
    `- Targets: direct (the backend, no proxy), switchyard (\`bin/switchyard.js serve\`, one route for ${HOST}), switchyard-norecord (the same`,
    `  build with \`switchyard settings --set trafficRecords=0\`: no traffic record; only in ${onlyIn['switchyard-norecord'].join(' and ')}), nginx (1 worker,`,
    `  upstream keepalive 64, proxy_http_version 1.1, empty Connection header), HAProxy (http mode, keep-alive, nbthread 1), http-proxy (node, keep-alive agent),`,
    `  and in ${onlyIn['node-framing'].join(' and ')} two floors under any HTTP/1.1 proxy on Node's \`net\` (bench/http-floor.mjs): node-framing (requests handed unchanged to`,
    `  pooled upstream connections, responses framed by Content-Length) and node-parse (the same, plus both heads parsed by Switchyard's strict parser,`,
    `  hop-by-hop headers dropped, X-Forwarded-* and Via added, both heads written anew: what RFC 9110 asks of every proxy, and nothing Switchyard adds).`,
    ...(configured ? [`  Read back from each serve before the route was added, and its record after the HTTP rounds: ${configured}.`] : []),
    `- Load: wrk -t1 (Lua done() hook for exact p50/p99 and counts), Host: ${HOST}; WebSocket: bench/ws-echo.mjs (one message in flight per connection).`,
    pinning
      ? `- Pinning: backend and load generator on core ${LOAD_CORE}, the proxy under test on core ${PROXY_CORE} (taskset).`
      : `- Pinning: OFF (fewer than 2 cores or no taskset): numbers are noisier.`,
    `- ${config.rounds} rounds, targets interleaved (order rotated each round), ${config.seconds} s per HTTP case and ${config.wsSeconds} s per WebSocket case per target and round,` +
      ` after a ${config.warmupSeconds} s warm-up per target; medians reported. The HTTP cases' rounds run first (nginx backend), then the WebSocket case's (Node backend).`,
  ].join('\n');
}

/** Starts the targets for `groupCases` in front of `backend`; a target that cannot start is skipped with its reason. */
async function startPeers(backend, groupCases, { missing, buildError, skip }) {
  const peers = [];
  for (const name of peerNames.filter((n) => groupCases.some((c) => runsIn(n, c)))) {
    if (name.startsWith('switchyard') && buildError) {
      skip(name, buildError);
      continue;
    }
    if ((name === 'nginx' || name === 'haproxy') && missing.includes(name)) {
      skip(name, `${name} is not installed and could not be installed (apt-get install ${name}).`);
      continue;
    }
    try {
      const peer = await startPeer(name, { backendPort: backend.port, backendChild: backend.child, core: PROXY_CORE });
      peers.push(peer);
      log(`${name} on 127.0.0.1:${peer.port}${peer.child ? ` (pid ${peer.child.pid})` : ''}${peer.note ? `, ${peer.note}` : ''}`);
    } catch (error) {
      skip(name, error.message);
    }
  }
  return peers;
}

/** Warm-up, then the rounds of `groupCases` on `peers`; adds each result to runs[case id][target]. */
async function runRounds(peers, groupCases, runs) {
  const secondsFor = (testCase) => (testCase.kind === 'ws' ? config.wsSeconds : config.seconds);
  if (config.warmupSeconds) {
    log('warming up ...');
    const warmCases = groupCases.filter((c) => c.connections > 1);
    for (const peer of peers) {
      for (const testCase of warmCases.filter((c) => runsIn(peer.name, c))) await measure(peer, testCase, config.warmupSeconds);
    }
  }
  for (let round = 0; round < config.rounds; round++) {
    log(`round ${round + 1}/${config.rounds}`);
    const order = peers.map((_, i) => peers[(i + round) % peers.length]);
    for (const testCase of groupCases) {
      for (const peer of order.filter((p) => runsIn(p.name, testCase))) {
        const list = ((runs[testCase.id] ??= {})[peer.name] ??= []);
        if (testCase.kind === 'ws' && !peer.ws) {
          if (round === 0) log(`  ${testCase.id} ${peer.name}: skipped, not configured for WebSocket`);
          list.skipped = true;
          continue;
        }
        const result = await measure(peer, testCase, secondsFor(testCase));
        list.push(result);
        log(`  ${testCase.id.padEnd(9)} ${peer.name.padEnd(19)} ${describe(result, testCase)}`);
      }
    }
  }
}

async function main() {
  log(`Switchyard bench${smoke ? ' (smoke)' : ''}: ${config.rounds} round(s), ${config.seconds} s per case`);
  const loadAtStart = os.loadavg()[0];
  if (loadAtStart > 0.5) log(`note: the machine is busy (1-minute load average ${loadAtStart.toFixed(2)}): numbers will be noisy.`);
  const missing = ensureTools(log);
  if (missing.includes('wrk')) throw new Error('wrk is not installed and could not be installed (apt-get install wrk).');
  if (missing.includes('nginx')) throw new Error('nginx is not installed and could not be installed (apt-get install nginx): the HTTP cases need it as their backend.');
  const pinning = !missing.includes('taskset') && os.availableParallelism() >= 2;
  setPinning(pinning);
  if (!pinning) log('no pinning: needs taskset and at least 2 cores.');

  const skipped = [];
  const skip = (name, reason) => {
    if (!skipped.some((s) => s.name === name)) skipped.push({ name, reason });
    log(`skip ${name}: ${reason}`);
  };
  let buildError;
  const switchyard = switchyardVersion(); // what the build below compiles
  try {
    ensureBuild(log, { onlyIfStale: smoke });
  } catch (error) {
    buildError = error.message;
  }

  const runs = {}; // case id -> target -> [result per round]
  const started = new Set();
  const notes = {};
  for (const backendName of [...new Set(cases.map((c) => c.backend))]) {
    const groupCases = cases.filter((c) => c.backend === backendName);
    const backend = await startBackend(backendName, { core: LOAD_CORE });
    log(`backend ${backendName} on 127.0.0.1:${backend.port}: ${groupCases.map((c) => c.id).join(', ')}`);
    const peers = await startPeers(backend, groupCases, { missing, buildError, skip });
    await runRounds(peers, groupCases, runs);
    for (const peer of peers) {
      started.add(peer.name);
      const after = peer.afterRun?.();
      if (after) log(`${peer.name}: ${after}`);
      // The HTTP group comes first: its notes are the ones about the small cases and the record.
      if (peer.note) notes[peer.name] ??= [peer.note, after].filter(Boolean).join(', ');
    }
    // One group's processes at a time, so an idle group never shares a core with the next one's measurements.
    await Promise.all([...new Set([...peers.map((p) => p.child), backend.child])].map((child) => stopChild(child)));
  }
  await stopAll();

  const results = {};
  for (const testCase of cases) {
    results[testCase.id] = {};
    for (const [name, list] of Object.entries(runs[testCase.id] ?? {})) {
      results[testCase.id][name] = list.skipped ? { skipped: 'not configured for WebSocket', errors: [], perRound: [] } : summarize(list);
    }
  }
  const targets = peerNames.filter((n) => started.has(n));
  const checks = checkTargets(results);
  const problemLines = problems(results, cases, skipped);

  log('');
  for (const testCase of cases) log(`${testCase.title}\n${caseTable(testCase, results[testCase.id], targets)}\n`);
  log(`${targetsTable(checks)}\n`);
  log(problemLines.length ? `Errors and non-2xx:\n${problemLines.map((l) => `  - ${l}`).join('\n')}` : 'No errors, no non-2xx responses.');

  if (smoke) return smokeVerdict(results, skipped);
  const path = join(benchDir, 'RESULTS.md');
  writeFileSync(path, renderResults({ machine: machineInfo({ loadAtStart, switchyard }), method: methodText(pinning, notes), cases, results, targets, checks, problemLines }));
  log(`\nwrote ${path}`);
  return 0;
}

/**
 * Smoke passes when every target started and every tool produced numbers:
 * wrk and the WebSocket client for every target and case, latency for every
 * HTTP case, CPU and RSS for every proxy.
 */
function smokeVerdict(results, skipped) {
  const failures = skipped.map((s) => `${s.name} did not run: ${s.reason}`);
  for (const testCase of cases) {
    for (const name of peerNames.filter((n) => runsIn(n, testCase))) {
      const s = results[testCase.id]?.[name];
      if (!s || s.skipped) {
        if (!skipped.some((k) => k.name === name)) failures.push(`${testCase.id} ${name}: no measurement`);
        continue;
      }
      if (!(s.throughput > 0)) failures.push(`${testCase.id} ${name}: no throughput (${s.errors[0] ?? 'zero'})`);
      if (testCase.kind === 'http' && !(Number.isFinite(s.p50Ms) && Number.isFinite(s.p99Ms))) failures.push(`${testCase.id} ${name}: no latency`);
      if (name !== 'direct' && !(Number.isFinite(s.cpuUs) && s.rssMb > 0)) failures.push(`${testCase.id} ${name}: no CPU/RSS numbers`);
    }
  }
  log(failures.length ? `\nSMOKE FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}` : '\nSMOKE OK: every tool ran and produced numbers.');
  return failures.length ? 1 : 0;
}

runMain('bench', main, () => clearTimeout(watchdog));
