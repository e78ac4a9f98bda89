// `npm run bench:idle`: what `switchyard serve` costs doing nothing but its
// health checks (issue 11, "idle cost grows with the square of the
// backends"): CPU and RSS at 50, 200 and 500 TCP-checked backends, first with
// nothing connected, then with one UI-like WebSocket subscriber on the events
// stream. Updates the Idle cost section of bench/RESULTS.md.
//   node bench/idle.mjs                       the full run (a few minutes)
//   options: --sizes 50,200 | --seconds N (measuring window) | --no-build | --no-write
//            --cpu-prof DIR (serve runs under node --cpu-prof; profiles land in DIR when it stops)
//            --listeners N (backends spread over N harness listeners; 500: no two share an address)
//            --no-unshared (skip the extra run at the largest size with every backend at its own address)
import net from 'node:net';
import os from 'node:os';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { printReport, verdict, writeResultsSection } from './idle-report.mjs';
import { cpuTicks, rssKb, runMain, stopChild, ticksPerSecond } from './procs.mjs';
import { command, startServe } from './soak-faults.mjs';
import { ensureBuild, switchyardVersion } from './tools.mjs';
import { serveNodeFlags } from '../scripts/serve-flags.mjs';

const DEFAULT_SIZES = [50, 200, 500];
const BACKENDS_PER_ROUTE = 10;
// Each route's backends are these listeners (one URL each), so every check is a real TCP connect.
// Routes share them, as several routes pointing at one dev server do; --listeners N
// (up to the largest size) gives backends addresses of their own, so no probe is shared.
const DEFAULT_LISTENERS = BACKENDS_PER_ROUTE;
const DEFAULT_MEASURE_SECONDS = 20;
// Idle means what a user who left Switchyard running sees, not the minute
// after 50 routes were created: that burst leaves RSS ~12 MB up until V8's
// memory reducer (which starts 8 s after allocation slows,
// --gc-memory-reducer-start-delay-ms) has collected and handed the heap
// back, 30-40 s after the routes in bench/FINDINGS.md's "Idle memory" runs
// (95 -> 82 MB at 500 backends). Until 2026-12-01 this waited 8 s, so its
// RSS figure read that burst, and moved 79-85 MB with the timing.
const SETTLE_MS = 50_000;
const SUBSCRIBER_SETTLE_MS = 4_000;
const HEALTH_INTERVAL_MS = 2_000; // the default, stated for the report; routes are created without health settings
const PERCENT = 100;
const TARGET = { targetBackends: 500, cpuLimit: 2, rssLimitMb: 80 };
const KB = 1024;
const WS_OPEN_TIMEOUT_MS = 5_000;

const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function parseArgs(argv) {
  const options = { sizes: DEFAULT_SIZES, seconds: DEFAULT_MEASURE_SECONDS, build: true, write: true, cpuProf: undefined, listeners: DEFAULT_LISTENERS, unshared: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value.`);
      return v;
    };
    if (arg === '--sizes') {
      options.sizes = value().split(',').map(Number);
      if (!options.sizes.every((n) => Number.isInteger(n) && n > 0 && n % BACKENDS_PER_ROUTE === 0)) {
        throw new Error(`--sizes takes positive multiples of ${BACKENDS_PER_ROUTE}, e.g. 50,200,500.`);
      }
    } else if (arg === '--seconds') {
      options.seconds = Number(value());
      if (!(options.seconds > 0)) throw new Error('--seconds takes a positive number.');
    } else if (arg === '--no-build') options.build = false;
    else if (arg === '--no-write') options.write = false;
    else if (arg === '--no-unshared') options.unshared = false;
    else if (arg === '--cpu-prof') options.cpuProf = resolve(value());
    else if (arg === '--listeners') {
      options.listeners = Number(value());
      if (!(Number.isInteger(options.listeners) && options.listeners >= BACKENDS_PER_ROUTE)) throw new Error(`--listeners takes a whole number from ${BACKENDS_PER_ROUTE}.`);
    }
    else throw new Error(`unknown option ${arg}. Usage: node bench/idle.mjs [--sizes 50,200,500] [--seconds N] [--no-build] [--no-write] [--cpu-prof DIR] [--listeners N] [--no-unshared]`);
  }
  return options;
}

/** Loopback listeners that accept a connection and close it: all a TCP check needs. */
async function startListeners(count) {
  const servers = [];
  for (let i = 0; i < count; i++) {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', done);
    });
    servers.push(server);
  }
  return servers;
}

/** serve's CPU (share of one core) over `seconds`, and its RSS at the end. */
async function measure(pid, seconds) {
  const ticksBefore = cpuTicks([pid]);
  const started = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = (cpuTicks([pid]) - ticksBefore) / ticksPerSecond;
  return { cpuPercent: (cpuSeconds / elapsed) * PERCENT, rssMb: rssKb([pid]) / KB, seconds: elapsed };
}

/** One UI-like subscriber on the events stream, counting what it is pushed. */
function subscribe(connection) {
  const url = `${connection.adminUrl.replace(/^http/, 'ws')}/api/v1/events?token=${encodeURIComponent(connection.token)}`;
  const socket = new WebSocket(url);
  const counts = { messages: 0, bytes: 0 };
  socket.on('message', (data) => {
    counts.messages += 1;
    counts.bytes += data.length;
  });
  const opened = new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the events WebSocket did not open within ${WS_OPEN_TIMEOUT_MS} ms.`)), WS_OPEN_TIMEOUT_MS);
    socket.once('open', () => {
      clearTimeout(timer);
      done();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
  });
  return { socket, counts, opened };
}

async function runSize(backends, urls, options) {
  // Without a profiler the bin starts itself (its shebang's flags); with one, node gets the same flags by hand.
  const launcher = options.cpuProf ? [process.execPath, ...serveNodeFlags(), '--cpu-prof', '--cpu-prof-dir', options.cpuProf] : [];
  const serve = await startServe('switchyard-idle-', launcher);
  const { pid } = serve.child;
  try {
    const routes = backends / BACKENDS_PER_ROUTE;
    for (let r = 0; r < routes; r++) {
      const own = Array.from({ length: BACKENDS_PER_ROUTE }, (_, i) => urls[(r * BACKENDS_PER_ROUTE + i) % urls.length]);
      await command(serve.connection, 'routes.create', { host: `idle-${r}.test`, backends: own.map((url) => ({ url })) });
    }
    log(`idle: ${backends} checked backends (${routes} routes) on serve pid ${pid}; settling ${SETTLE_MS / 1000} s ...`);
    await sleep(SETTLE_MS);
    const idle = await measure(pid, options.seconds);
    log(`idle:   nothing connected: ${idle.cpuPercent.toFixed(2)}% of a core, ${idle.rssMb.toFixed(1)} MB RSS`);
    const subscriber = subscribe(serve.connection);
    await subscriber.opened;
    await sleep(SUBSCRIBER_SETTLE_MS);
    const before = { ...subscriber.counts };
    const subscribed = await measure(pid, options.seconds);
    subscribed.messagesPerSecond = (subscriber.counts.messages - before.messages) / subscribed.seconds;
    subscribed.bytesPerSecond = (subscriber.counts.bytes - before.bytes) / subscribed.seconds;
    subscriber.socket.close();
    log(
      `idle:   one subscriber:    ${subscribed.cpuPercent.toFixed(2)}% of a core, ${subscribed.rssMb.toFixed(1)} MB RSS, ` +
        `${subscribed.messagesPerSecond.toFixed(1)} pushes/s (${(subscribed.bytesPerSecond / KB).toFixed(1)} KB/s)`,
    );
    return { backends, routes, idle, subscribed };
  } finally {
    await stopChild(serve.child);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.build) ensureBuild(log, { onlyIfStale: true });
  const listeners = await startListeners(options.listeners);
  const urls = listeners.map((server) => `http://127.0.0.1:${server.address().port}`);
  const loadAtStart = os.loadavg()[0];
  const runs = [];
  try {
    for (const size of options.sizes) runs.push(await runSize(size, urls, options));
  } finally {
    for (const server of listeners) server.close();
  }
  // Shared addresses let backends share probes; this run shows what checks
  // cost when no two backends share an address (each its own dev server).
  const largest = Math.max(...options.sizes);
  let unshared;
  if (options.unshared && options.listeners < largest) {
    log(`idle: again with each of the ${largest} backends at its own address (${largest} listeners) ...`);
    const own = await startListeners(largest);
    try {
      unshared = await runSize(largest, own.map((server) => `http://127.0.0.1:${server.address().port}`), options);
    } finally {
      for (const server of own) server.close();
    }
  }
  const result = {
    switchyard: switchyardVersion(),
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    load: `${loadAtStart.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end (1-minute average)`,
    config: { ...TARGET, perRoute: BACKENDS_PER_ROUTE, listeners: options.listeners, intervalMs: HEALTH_INTERVAL_MS, settleSeconds: SETTLE_MS / 1000, measureSeconds: options.seconds },
    runs,
    unshared,
  };
  result.verdict = verdict(result, TARGET);
  printReport(result, log);
  if (options.write) log(`idle: ${writeResultsSection(result)}`);
  return result.verdict.ok ? 0 : 1;
}

runMain('idle', main);
