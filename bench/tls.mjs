// `npm run bench:tls` (also the last step of `npm run bench`): Switchyard's
// HTTPS listener against nginx and Caddy terminating TLS with the same ECDSA
// P-256 leaf in front of the same cheap backend, then the page-load figure in
// headless Chromium (bench/page-load.mjs). Writes the "Local HTTPS" section
// of bench/RESULTS.md.
//   node bench/tls.mjs            full run (5 rounds of 5 s per case and peer, 5 page loads per way)
//   node bench/tls.mjs --smoke    1 round of 1 s, 1 page load each; checks every tool ran, writes nothing
//   node bench/tls.mjs --no-page | --page-only
// The backend and the load generators run on core 0, the peer under test on
// core 1, as in bench/run.mjs; peers are interleaved within each round (order
// rotated), medians reported with each round's figures for the spread.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startBackend } from './backends.mjs';
import { runPageLoad } from './page-load.mjs';
import { cpuTicks, processTree, rssKb, runMain, setPinning, stopChild, ticksPerSecond } from './procs.mjs';
import { median } from './report.mjs';
import { has, ensureBuild, switchyardVersion } from './tools.mjs';
import { runH2load, runHandshakes, runWrkTls } from './tls-load.mjs';
import { startCaddy, startNginx, startSwitchyard, tlsPeerNames } from './tls-peers.mjs';
import { checkTargets, printSummary, toolVersions, writeResultsSection } from './tls-report.mjs';

const LOAD_CORE = 0;
const PROXY_CORE = 1;
const RSS_SAMPLE_MS = 200;
const { values: flags } = parseArgs({ options: { smoke: { type: 'boolean' }, 'no-page': { type: 'boolean' }, 'page-only': { type: 'boolean' } } });
const smoke = Boolean(flags.smoke);
const config = smoke
  ? { rounds: 1, seconds: 1, warmupSeconds: 0, pageRuns: 1, limitMs: 4 * 60_000 }
  : { rounds: 5, seconds: 5, warmupSeconds: 2, pageRuns: 5, limitMs: 25 * 60_000 };
// The page: 300 modules (issue 12), each answer late at the backend by a dev server's transform time (see
// page-load-backend.mjs): 5 ms, and 20 ms for a slower dev server, where the connections' shape weighs more.
const PAGE_MODULES = 300;
const PAGE_DELAYS_MS = [5, 20];
const tlsCases = [
  {
    id: 'handshake',
    title: 'New connections: one request per TLS connection (a full ECDSA handshake each), HTTP/1.1, 16 at a time',
    tool: 'node bench/tls-handshakes.mjs, 16 lanes',
    unit: 'handshakes/s',
    run: (port, seconds) => runHandshakes({ port, connections: 16, seconds, core: LOAD_CORE }),
  },
  {
    id: 'keepalive',
    title: 'Keep-alive HTTPS, HTTP/1.1, 64 connections',
    tool: 'wrk -t1 -c64',
    unit: 'req/s',
    run: (port, seconds) => runWrkTls({ port, connections: 64, seconds, core: LOAD_CORE }),
  },
  {
    id: 'h2',
    title: 'h2, 16 connections × 10 concurrent streams',
    tool: 'h2load -t1 -c16 -m10',
    unit: 'req/s',
    run: (port, seconds) => runH2load({ port, connections: 16, streams: 10, seconds, core: LOAD_CORE }),
  },
];
const starters = { switchyard: startSwitchyard, nginx: startNginx, caddy: startCaddy };
const log = (line) => process.stdout.write(`${line}\n`);

const watchdog = setTimeout(() => {
  log(`bench:tls: still running after ${config.limitMs / 1000} s, giving up.`);
  process.exit(2); // the exit hook in procs.mjs kills every child
}, config.limitMs);

/** One run of `testCase` against `peer`, with the peer's CPU per request, core share and peak RSS. */
async function measure(peer, testCase, seconds) {
  const pids = processTree(peer.child.pid);
  const before = cpuTicks(pids);
  let peakKb = 0;
  const sample = () => (peakKb = Math.max(peakKb, rssKb(pids)));
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  const result = await testCase.run(peer.port, seconds);
  sample();
  clearInterval(sampler);
  if (result.error || !(result.requests > 0)) return result.error ? result : { ...result, error: 'no request succeeded' };
  const cpuSeconds = (cpuTicks(pids) - before) / ticksPerSecond;
  return { ...result, cpuUsPerReq: (cpuSeconds * 1e6) / result.requests, corePercent: (cpuSeconds / result.seconds) * 100, rssMb: peakKb / 1024 };
}

function describe(r) {
  if (r.error) return `FAILED: ${r.error}`;
  const errors = r.non2xx || r.socketErrors ? `, NON-2XX ${r.non2xx}, SOCKET ERRORS ${r.socketErrors}` : '';
  return `${r.rps.toFixed(0)}/s, cpu ${r.cpuUsPerReq.toFixed(1)} µs/req, core ${r.corePercent.toFixed(0)}%, rss ${r.rssMb.toFixed(1)} MB${errors}`;
}

/** Switchyard first (its CA issues the leaf the others serve), then nginx and Caddy with that leaf. */
async function startPeers(backendPort) {
  const peers = [];
  let leaf;
  for (const name of tlsPeerNames) {
    const peer = await starters[name]({ backendPort, core: PROXY_CORE, leaf });
    leaf ??= peer.leaf;
    peers.push(peer);
    log(`${name} on https://127.0.0.1:${peer.port} (pid ${peer.child.pid}), ${peer.negotiated}`);
  }
  return peers;
}

async function runTlsCases() {
  const backend = await startBackend('nginx', { core: LOAD_CORE });
  log(`backend nginx on 127.0.0.1:${backend.port}`);
  const peers = await startPeers(backend.port);
  const runs = {}; // case id -> peer -> [result per round]
  const loads = [];
  if (config.warmupSeconds) {
    log('warming up ...');
    for (const peer of peers) for (const testCase of tlsCases) await measure(peer, testCase, config.warmupSeconds);
  }
  for (let round = 0; round < config.rounds; round++) {
    loads.push(os.loadavg()[0]);
    log(`round ${round + 1}/${config.rounds} (1-minute load average ${loads.at(-1).toFixed(2)})`);
    const order = peers.map((_, i) => peers[(i + round) % peers.length]);
    for (const testCase of tlsCases) {
      for (const peer of order) {
        const result = await measure(peer, testCase, config.seconds);
        ((runs[testCase.id] ??= {})[peer.name] ??= []).push(result);
        log(`  ${testCase.id.padEnd(9)} ${peer.name.padEnd(10)} ${describe(result)}`);
      }
    }
  }
  await Promise.all([...peers.map((p) => p.child), backend.child].map((child) => stopChild(child)));
  return { runs, loads, negotiated: Object.fromEntries(peers.map((p) => [p.name, p.negotiated])) };
}

/** Medians and spread of one peer's rounds in one case. */
function summarize(list) {
  const ok = list.filter((r) => !r.error);
  const pick = (key) => ok.map((r) => r[key]);
  return {
    rps: median(pick('rps')),
    cpuUs: median(pick('cpuUsPerReq')),
    corePercent: median(pick('corePercent')),
    rssMb: Math.max(0, ...pick('rssMb')),
    perRound: list.map((r) => (r.error ? NaN : r.rps)),
    perRoundCpuUs: list.map((r) => (r.error ? NaN : r.cpuUsPerReq)),
    non2xx: ok.reduce((s, r) => s + r.non2xx, 0),
    socketErrors: ok.reduce((s, r) => s + r.socketErrors, 0),
    errors: [...new Set(list.filter((r) => r.error).map((r) => r.error))],
  };
}

/** Smoke passes when every peer produced numbers in every case and every page way loaded. */
function smokeFailures(results, pages) {
  const failures = [];
  for (const testCase of results ? tlsCases : []) {
    for (const name of tlsPeerNames) {
      const s = results[testCase.id]?.[name];
      if (!s || !(s.rps > 0) || !Number.isFinite(s.cpuUs)) failures.push(`${testCase.id} ${name}: no numbers (${s?.errors[0] ?? 'not run'})`);
      else if (s.non2xx || s.socketErrors) failures.push(`${testCase.id} ${name}: ${s.non2xx} non-2xx, ${s.socketErrors} socket errors`);
    }
  }
  for (const p of pages ?? []) {
    for (const [id, v] of Object.entries(p.variants)) if (v.errors.length || !v.loads.length) failures.push(`page ${id}: ${v.errors[0] ?? 'no load'}`);
  }
  return failures;
}

async function main() {
  const missing = ['wrk', 'h2load', 'caddy', 'nginx', 'taskset', 'unshare', '/usr/bin/chromium'].filter((tool) => !has(tool));
  if (missing.length) throw new Error(`missing: ${missing.join(', ')} (apt-get install wrk nghttp2-client caddy nginx util-linux chromium).`);
  setPinning(os.availableParallelism() >= 2);
  const loadAtStart = os.loadavg()[0];
  log(`Switchyard HTTPS bench${smoke ? ' (smoke)' : ''}: ${config.rounds} round(s), ${config.seconds} s per case; 1-minute load average ${loadAtStart.toFixed(2)}`);
  const switchyard = switchyardVersion();
  ensureBuild(log, { onlyIfStale: smoke });
  const started = new Date().toISOString();

  let tls;
  let results;
  if (!flags['page-only']) {
    tls = await runTlsCases();
    results = Object.fromEntries(tlsCases.map((c) => [c.id, Object.fromEntries(Object.entries(tls.runs[c.id]).map(([name, list]) => [name, summarize(list)]))]));
  }
  let pages;
  if (!flags['no-page']) {
    pages = [];
    for (const delayMs of smoke ? PAGE_DELAYS_MS.slice(0, 1) : PAGE_DELAYS_MS) {
      const loadAverage = os.loadavg()[0];
      log(`page load: ${PAGE_MODULES} modules, ${delayMs} ms per answer at the backend, ${config.pageRuns} loads per way (1-minute load average ${loadAverage.toFixed(2)})`);
      pages.push({ ...(await runPageLoad({ log, runs: config.pageRuns, modules: PAGE_MODULES, delayMs, loadCore: LOAD_CORE, proxyCore: PROXY_CORE })), loadAverage });
    }
  }
  const run = { started, switchyard, loadAtStart, loadAtEnd: os.loadavg()[0], config, cases: tlsCases, results, tls, pages, tools: toolVersions(pages?.[0]?.chromium) };
  const checks = results ? checkTargets(results) : [];
  printSummary(run, checks, log);

  if (smoke) {
    const failures = smokeFailures(results, pages);
    log(failures.length ? `\nSMOKE FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}` : '\nSMOKE OK: every tool ran and produced numbers.');
    return failures.length ? 1 : 0;
  }
  if (!results || !pages) {
    log('\nnot written to bench/RESULTS.md: the section needs both parts (run without --no-page / --page-only).');
    return 0;
  }
  log(`\n${writeResultsSection(run, checks)}`);
  return 0;
}

runMain('bench:tls', main, () => clearTimeout(watchdog));
