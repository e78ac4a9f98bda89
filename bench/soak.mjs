// `npm run soak`: the built `switchyard serve` under mixed traffic with
// faults for a while; fails on a descriptor or memory leak, a crash, or any
// client error a deliberate fault does not explain.
//   node bench/soak.mjs                 10 minutes, then updates the Soak section of bench/RESULTS.md
//   node bench/soak.mjs --seconds 60    the short run `npm test` makes (test/integration/soak.test.ts)
//   options: --minutes N | --seconds N, --json FILE (the full result), --no-build (use out/ as it is)
// Traffic (bench/soak-traffic.mjs): keep-alive and one-shot GETs, 1 MiB
// downloads, uploads of a few hundred KB, client aborts mid-response and
// WebSocket echo sessions, to a route of three backend processes. Faults
// (bench/soak-faults.mjs): a config change every few seconds, and one
// backend killed with SIGKILL and restarted every minute (every quarter of
// the run when shorter).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuTicks, freePort, rssKb, runMain, startChild, stopChild, ticksPerSecond, waitForOutput } from './procs.mjs';
import { describeFds, fdCount } from './soak-fds.mjs';
import { inspectedLauncher, inspectorUrl, memoryAfterCollection } from './soak-heap.mjs';
import { changeConfig, command, faultTiming, killBackends, routeSettings, startServe } from './soak-faults.mjs';
import { printReport, writeResultsSection } from './soak-report.mjs';
import { HOST, KillLog, Tally, getStatus, runTraffic } from './soak-traffic.mjs';
import { ensureBuild, switchyardVersion } from './tools.mjs';

const benchDir = new URL('.', import.meta.url).pathname;
const DEFAULT_MINUTES = 10;
const KILL_EVERY_MS = 60_000;
const KILLS_AT_LEAST = 4; // short runs kill more often, so they see a few kills too
const WARMUP_SHARE = 0.1;
const WARMUP_MIN_MS = 10_000;
const WARMUP_MAX_MS = 30_000;
// Longer than the proxy's idle upstream connections (4 s) and idle client
// connections (5 s), so whatever traffic left open has closed by itself.
const SETTLE_MS = 6_000;
const SAMPLE_MS = 1_000;
const PROGRESS_EVERY_MS = 30_000;
// Counting /proc/PID/fd at a quiet moment may still catch a health check's
// connection to each of the three backends and a socket the kernel is
// closing; a leak of one descriptor per kill, per config change or per
// thousand requests would pass this many within the short run already.
const FD_SLACK = 10;
// Leaks show in what survives a full collection: the live JS heap and the
// Buffers it holds. The traffic ring filling up (at most 10,000 records,
// about 0.4 KB each) is the one legitimate growth between the baseline and
// the end, a few MB. Buffer memory is a few MB, so a fixed slack keeps one
// socket's buffers from reading as a leak.
const HEAP_GROWTH_LIMIT = 0.2;
const BUFFER_SLACK_MB = 2;
// RSS stays a backstop for leaks outside V8 (OpenSSL, zlib, SQLite). It is
// loose because V8 and malloc keep pages they freed: with serve's 64 MB
// initial old generation RSS rose 110 → 126 MB in 60 s here with the live
// heap flat (18.2 → 19.4 MB).
const RSS_GROWTH_LIMIT = 0.5;
const READY_TIMEOUT_MS = 15_000;
const OVERHEAD_MS = 3 * 60_000; // start-up, warm-up excluded, settles, stop

function parseArgs(argv) {
  const options = { seconds: DEFAULT_MINUTES * 60, json: undefined, build: true, full: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value.`);
      return v;
    };
    if (arg === '--minutes' || arg === '--seconds') {
      const n = Number(value());
      if (!(n > 0)) throw new Error(`${arg} takes a positive number.`);
      options.seconds = arg === '--minutes' ? n * 60 : n;
    } else if (arg === '--json') options.json = value();
    else if (arg === '--no-build') options.build = false;
    else throw new Error(`unknown option ${arg}. Usage: node bench/soak.mjs [--minutes N | --seconds N] [--json FILE] [--no-build]`);
  }
  options.full = options.seconds >= DEFAULT_MINUTES * 60;
  return options;
}

const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMb = (pid) => rssKb([pid]) / 1024;

async function startBackend(backend) {
  const child = startChild(backend.name, [process.execPath, join(benchDir, 'backend.mjs'), String(backend.port)]);
  await waitForOutput(child, /ready \d+/);
  return child;
}

async function waitUntilServing(port, proxy) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    last = await getStatus(port);
    if (last === 200) return;
    await sleep(SAMPLE_MS);
  }
  throw new Error(`the route did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last || 'no answer'}). serve's output:\n${proxy.child.output.slice(-2000)}`);
}

/** Peak descriptors and RSS while traffic runs, plus a progress line now and then. */
function startSampler(pid, describe) {
  const peak = { fds: 0, rssMb: 0 };
  let lastProgress = Date.now();
  const sample = () => {
    try {
      peak.fds = Math.max(peak.fds, fdCount(pid));
      peak.rssMb = Math.max(peak.rssMb, rssMb(pid));
    } catch {
      return; // the proxy is gone; its exit is reported on its own
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      log(`  ${describe()} fds ${fdCount(pid)} rss ${rssMb(pid).toFixed(1)} MB`);
    }
  };
  const timer = setInterval(sample, SAMPLE_MS);
  return { peak, stop: () => clearInterval(timer) };
}

/** Descriptors, then memory after full collections (bench/soak-heap.mjs says why), once traffic has settled. */
async function quietSample(pid, ports, inspector) {
  await sleep(SETTLE_MS);
  const fds = { fds: fdCount(pid), fdKinds: describeFds(pid, ports) };
  const memory = await memoryAfterCollection(inspector);
  return { ...fds, rssMb: memory.rss, heapMb: memory.heapUsed, buffersMb: memory.arrayBuffers };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const durationMs = options.seconds * 1000;
  const warmupMs = Math.min(WARMUP_MAX_MS, Math.max(WARMUP_MIN_MS, durationMs * WARMUP_SHARE));
  const killEveryMs = Math.min(KILL_EVERY_MS, durationMs / KILLS_AT_LEAST);
  const watchdog = setTimeout(() => {
    log(`soak: still running ${(durationMs + warmupMs + OVERHEAD_MS) / 1000} s in, giving up.`);
    process.exit(2); // procs.mjs's exit hook kills every child
  }, durationMs + warmupMs + OVERHEAD_MS);
  if (options.build) ensureBuild(log, { onlyIfStale: true });

  const backends = await Promise.all(['a', 'b', 'c'].map(async (id) => ({ name: `backend-${id}`, port: await freePort() })));
  for (const backend of backends) {
    backend.url = `http://127.0.0.1:${backend.port}`;
    backend.child = await startBackend(backend);
  }
  const proxy = await startServe('switchyard-soak-', inspectedLauncher());
  const inspector = inspectorUrl(proxy.child);
  const { pid } = proxy.child;
  const { httpPort: port } = proxy.connection;
  const ports = { [port]: 'proxy', [new URL(proxy.connection.adminUrl).port]: 'admin API', ...Object.fromEntries(backends.map((b) => [b.port, b.name])) };
  let proxyExit;
  void proxy.child.exited.then((exit) => (proxyExit ??= exit));
  const route = await command(proxy.connection, 'routes.create', { host: HOST, backends: backends.map((b) => ({ url: b.url })), settings: routeSettings });
  log(`soak: switchyard serve pid ${pid} on 127.0.0.1:${port}, route ${HOST} → ${backends.map((b) => b.url).join(', ')}`);
  log(`soak: ${options.seconds} s of traffic after a ${warmupMs / 1000} s warm-up; a backend killed every ${killEveryMs / 1000} s`);

  await waitUntilServing(port, proxy);
  const stats = { kills: 0, restarts: 0, configChanges: 0, configFailures: [] };
  const phase = async (ms, tally, withKills) => {
    const until = Date.now() + ms;
    const shouldRun = () => Date.now() < until && proxyExit === undefined;
    const kills = new KillLog();
    const sampler = startSampler(pid, () => `${tally.requests} requests, ${tally.count(tally.unexplained)} unexplained errors,`);
    await Promise.all([
      runTraffic({ port, tally, kills, shouldRun }),
      changeConfig({ connection: proxy.connection, route, thirdUrl: backends[2].url, shouldRun, stats }),
      withKills ? killBackends({ victims: backends.slice(0, 2), everyMs: killEveryMs, kills, restart: startBackend, shouldRun, stats }) : undefined,
    ]);
    sampler.stop();
    return sampler.peak;
  };

  log('soak: warming up ...');
  const warmup = new Tally();
  const warmupPeak = await phase(warmupMs, warmup, false);
  const baseline = await quietSample(pid, ports, inspector);
  log(`soak: warm baseline after a full collection: ${baseline.fds} fds, ${baseline.rssMb.toFixed(1)} MB RSS, ${baseline.heapMb.toFixed(1)} MB live heap; running ...`);
  const run = new Tally();
  const started = Date.now();
  const cpuBefore = cpuTicks([pid]);
  const runPeak = await phase(durationMs, run, true);
  const seconds = (Date.now() - started) / 1000;
  const cpuSeconds = (cpuTicks([pid]) - cpuBefore) / ticksPerSecond;
  const end = proxyExit === undefined ? await quietSample(pid, ports, inspector) : { fds: NaN, rssMb: NaN, heapMb: NaN, buffersMb: NaN, fdKinds: {} };
  const diedDuringRun = proxyExit !== undefined;
  const stopped = await stopChild(proxy.child).then(() => proxy.child.exited);
  clearTimeout(watchdog);

  const result = {
    switchyard: switchyardVersion(),
    date: new Date().toISOString(),
    config: { seconds: options.seconds, warmupSeconds: warmupMs / 1000, killEverySeconds: killEveryMs / 1000, downSeconds: faultTiming.downMs / 1000, configEverySeconds: faultTiming.configEveryMs / 1000 },
    load: { seconds, requests: run.requests, perSecond: run.requests / seconds, ok: run.ok, aborted: run.aborted, wsMessages: run.wsMessages },
    errors: { unexplained: run.unexplained, explained: run.explained, warmupUnexplained: warmup.unexplained, samples: [...warmup.samples, ...run.samples] },
    faults: { kills: stats.kills, restarts: stats.restarts, configChanges: stats.configChanges, configFailures: stats.configFailures },
    proxy: {
      pid,
      fds: { baseline: baseline.fds, end: end.fds, peak: Math.max(warmupPeak.fds, runPeak.fds), baselineKinds: baseline.fdKinds, endKinds: end.fdKinds },
      rssMb: { baseline: baseline.rssMb, end: end.rssMb, peak: Math.max(warmupPeak.rssMb, runPeak.rssMb) },
      heapMb: { baseline: baseline.heapMb, end: end.heapMb },
      buffersMb: { baseline: baseline.buffersMb, end: end.buffersMb },
      cpuSeconds,
      exit: proxyExit ?? stopped,
    },
  };
  result.verdict = verdict(result, { diedDuringRun });
  printReport(result, log);
  if (options.json) writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
  if (options.full) log(`soak: ${writeResultsSection(result)}`);
  return result.verdict.ok ? 0 : 1;
}

/** Every way the run can fail, each as one sentence. */
function verdict(result, { diedDuringRun }) {
  const failures = [];
  const { fds, rssMb: rss, exit } = result.proxy;
  const unexplained = Object.values(result.errors.unexplained).reduce((a, b) => a + b, 0) + Object.values(result.errors.warmupUnexplained).reduce((a, b) => a + b, 0);
  if (diedDuringRun) failures.push(`the proxy died during the run (${exit.signal ?? `exit code ${exit.code}`}).`);
  else if (exit.code !== 0) failures.push(`the proxy did not stop cleanly on SIGTERM (${exit.signal ?? `exit code ${exit.code}`}).`);
  if (!(fds.end <= fds.baseline + FD_SLACK)) failures.push(`descriptor leak: ${fds.baseline} open at the warm baseline, ${fds.end} after traffic stopped and settled (allowed +${FD_SLACK}).`);
  const grew = (name, { baseline, end }, limit, slackMb = 0) => {
    if (!(end <= baseline * (1 + limit) + slackMb)) {
      failures.push(`memory growth: ${name} ${baseline.toFixed(1)} MB at the warm baseline, ${end.toFixed(1)} MB at the end, both after a full collection (allowed +${limit * 100}%${slackMb ? ` + ${slackMb} MB` : ''}).`);
    }
  };
  grew('live JS heap', result.proxy.heapMb, HEAP_GROWTH_LIMIT);
  grew('Buffer memory', result.proxy.buffersMb, HEAP_GROWTH_LIMIT, BUFFER_SLACK_MB);
  grew('RSS', rss, RSS_GROWTH_LIMIT);
  if (unexplained) failures.push(`${unexplained} client errors no deliberate fault explains (see errors.samples).`);
  if (result.faults.configFailures.length) failures.push(`${result.faults.configFailures.length} config changes failed: ${result.faults.configFailures[0]}`);
  if (result.faults.restarts < result.faults.kills) failures.push(`a killed backend was not restarted (${result.faults.kills} kills, ${result.faults.restarts} restarts).`);
  return { ok: failures.length === 0, failures, fdSlack: FD_SLACK, heapGrowthLimit: HEAP_GROWTH_LIMIT, rssGrowthLimit: RSS_GROWTH_LIMIT };
}

runMain('soak', main);
