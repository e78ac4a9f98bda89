// The traffic record's cost measured inside one `serve`: the record is
// switched on and off (`switchyard settings --set trafficRecords=N`) between
// wrk runs, so both sides share the process, its heap and its JIT, which
// separate builds (bench/ab.mjs) and `npm run bench` cannot. With --profile
// each window is also profiled through the inspector, and the report lists
// the functions whose time per request differs most between on and off.
//   node bench/record-toggle.mjs [--rounds 6] [--seconds 5] [--capacity 10000] [--profile]
// The backend nginx and wrk run on core 0, serve on core 1 (from out/: build first).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startBackend } from './backends.mjs';
import { runWrk } from './load.mjs';
import { HOST, tempDir, waitForHttp } from './peers.mjs';
import { freePort, processTree, runMain, runtimeNs, startChild, waitForOutput } from './procs.mjs';
import { median } from './report.mjs';
import { inspectorUrl } from './soak-heap.mjs';
import { serveNodeFlags } from '../scripts/serve-flags.mjs';

const LOAD_CORE = 0;
const PROXY_CORE = 1;
const CONNECTIONS = 64;
const WARMUP_SECONDS = 3;
/** After each switch, before the measured window: the new setting's first requests are not the steady state. */
const SETTLE_SECONDS = 1;
/** The inspector's sampling interval, µs (its default, 1,000, leaves too few samples in a 5 s window). */
const SAMPLING_US = 200;
const FUNCTIONS_SHOWN = 15;
const repoDir = join(new URL('.', import.meta.url).pathname, '..');
const log = (line) => process.stdout.write(`${line}\n`);

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '5' },
    capacity: { type: 'string', default: '10000' },
    profile: { type: 'boolean', default: false },
  },
});

/** One inspector session: send(method, params) resolves with the result. */
async function inspector(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const pending = new Map();
  let nextId = 1;
  ws.on('message', (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.terminate(),
  };
}

/** Microseconds of samples per function ("name file:line") in a profile. */
function selfTimes(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const times = new Map();
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id).callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}`;
    times.set(key, (times.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  return times;
}

function addInto(total, times) {
  for (const [key, us] of times) total.set(key, (total.get(key) ?? 0) + us);
}

function profileReport(time, requests) {
  const perRequest = (mode, key) => (time[mode].get(key) ?? 0) / requests[mode];
  const busy = (mode) => [...time[mode]].filter(([key]) => !key.startsWith('(idle)')).reduce((sum, [, us]) => sum + us, 0) / requests[mode];
  log(`\nprofiled main thread, busy µs per request: on ${busy('on').toFixed(2)}, off ${busy('off').toFixed(2)}`);
  const keys = [...new Set([...time.on.keys(), ...time.off.keys()])].filter((key) => !key.startsWith('(idle)'));
  const rows = keys.map((key) => ({ key, on: perRequest('on', key), off: perRequest('off', key) })).sort((a, b) => b.on - b.off - (a.on - a.off));
  for (const row of rows.slice(0, FUNCTIONS_SHOWN)) log(`  ${(row.on - row.off).toFixed(2).padStart(6)} µs  (on ${row.on.toFixed(2)}, off ${row.off.toFixed(2)})  ${row.key}`);
}

async function main() {
  const rounds = Number(options.rounds);
  const seconds = Number(options.seconds);
  const backend = await startBackend('nginx', { core: LOAD_CORE });
  const entry = join(repoDir, 'out/main/headless.js');
  const dataDir = tempDir('record-toggle');
  const port = await freePort();
  const inspect = options.profile ? ['--inspect=127.0.0.1:0'] : [];
  const serveArgs = ['serve', '--data-dir', dataDir, '--http-port', String(port), '--admin-port', '0', '--https-port', '0'];
  const serve = startChild('serve', [process.execPath, ...serveNodeFlags(), ...inspect, entry, ...serveArgs], { core: PROXY_CORE, cwd: repoDir });
  await waitForOutput(serve, /Press Ctrl\+C/);
  const session = options.profile ? await inspector(inspectorUrl(serve)) : undefined;
  if (session) {
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
  }
  const cli = (...args) => {
    const run = spawnSync(process.execPath, [entry, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 15_000 });
    if (run.status !== 0) throw new Error(`switchyard ${args.join(' ')} failed: ${(run.stderr || run.stdout).trim()}`);
  };
  cli('route', 'add', HOST, '--backend', `http://127.0.0.1:${backend.port}`, '--set', 'healthCheck=off');
  await waitForHttp('serve', port, serve);
  await runWrk({ port, host: HOST, connections: CONNECTIONS, seconds: WARMUP_SECONDS, core: LOAD_CORE });
  log(`record on (trafficRecords=${options.capacity}) and off, one serve; ${rounds} rounds of ${seconds} s at ${CONNECTIONS} connections`);

  const cpu = { on: [], off: [] };
  const requests = { on: 0, off: 0 };
  const time = { on: new Map(), off: new Map() };
  for (let round = 0; round < rounds; round++) {
    // Which side goes first alternates, so a machine that speeds up or slows down meets both alike.
    for (const mode of round % 2 ? ['off', 'on'] : ['on', 'off']) {
      cli('settings', '--set', `trafficRecords=${mode === 'on' ? options.capacity : 0}`);
      await runWrk({ port, host: HOST, connections: CONNECTIONS, seconds: SETTLE_SECONDS, core: LOAD_CORE });
      if (session) await session.send('Profiler.start');
      const pids = processTree(serve.pid);
      const before = runtimeNs(pids);
      const run = await runWrk({ port, host: HOST, connections: CONNECTIONS, seconds, core: LOAD_CORE });
      if (run.error) throw new Error(`wrk failed: ${run.error}`);
      cpu[mode].push((runtimeNs(pids) - before) / 1e3 / run.requests);
      if (session) {
        const { profile } = await session.send('Profiler.stop');
        addInto(time[mode], selfTimes(profile));
        requests[mode] += run.requests;
      }
    }
    const change = (cpu.off.at(-1) / cpu.on.at(-1) - 1) * 100;
    log(`round ${round + 1}: on ${cpu.on.at(-1).toFixed(1)} µs/req, off ${cpu.off.at(-1).toFixed(1)} (${change.toFixed(1)}%)`);
  }
  const ratios = cpu.on.map((on, i) => cpu.off[i] / on - 1);
  const lower = ratios.filter((r) => r < 0).length;
  log(`\nmedian CPU per request: on ${median(cpu.on).toFixed(1)} µs, off ${median(cpu.off).toFixed(1)} µs; off vs on by the rounds' pairs ${(median(ratios) * 100).toFixed(1)}% (off lower in ${lower} of ${rounds})`);
  if (session) {
    profileReport(time, requests);
    session.close();
  }
}

runMain('record-toggle', main);
