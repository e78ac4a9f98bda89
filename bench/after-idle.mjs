// Keep-alive HTTPS or h2 through `switchyard serve` after spells of silence
// (bench/tls-findings.md, "GC after idle"): serve as users start it (bin's
// shebang flags), one route to the cheap nginx backend, then rounds of load
// each after --idle seconds with no traffic, as a dev tool is used. Prints
// each round's rate, CPU per request and RSS; a serve that falls into a GC
// spiral after idling shows it as rounds 2-4x dearer than the first ones.
//   node bench/after-idle.mjs [--case h2|keepalive] [--rounds 6] [--idle 12] [--seconds 3]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startBackend } from './backends.mjs';
import { processTree, rssKb, runMain, runtimeNs } from './procs.mjs';
import { runH2load, runWrkTls } from './tls-load.mjs';
import { startSwitchyard } from './tls-peers.mjs';

const LOAD_CORE = 0;
const SERVE_CORE = 1;
/** As bench/tls.mjs's cases: h2load -c16 -m10, wrk -c64. */
const H2_CONNECTIONS = 16;
const H2_STREAMS = 10;
const KEEPALIVE_CONNECTIONS = 64;

const { values: options } = parseArgs({
  options: {
    case: { type: 'string', default: 'h2' },
    rounds: { type: 'string', default: '6' },
    idle: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '3' },
  },
});

async function main() {
  if (!['h2', 'keepalive'].includes(options.case)) throw new Error(`--case is h2 or keepalive, not ${options.case}`);
  const seconds = Number(options.seconds);
  const backend = await startBackend('nginx', { core: LOAD_CORE });
  const serve = await startSwitchyard({ backendPort: backend.port, core: SERVE_CORE });
  console.log(`after-idle: ${options.case}, ${options.rounds} rounds of ${seconds} s, each after ${options.idle} s idle; load average ${os.loadavg()[0].toFixed(2)}`);
  for (let round = 1; round <= Number(options.rounds); round++) {
    await new Promise((resolve) => setTimeout(resolve, Number(options.idle) * 1000));
    const pids = processTree(serve.child.pid);
    const before = runtimeNs(pids);
    const result =
      options.case === 'h2'
        ? await runH2load({ port: serve.port, connections: H2_CONNECTIONS, streams: H2_STREAMS, seconds, core: LOAD_CORE })
        : await runWrkTls({ port: serve.port, connections: KEEPALIVE_CONNECTIONS, seconds, core: LOAD_CORE });
    if (result.error) throw new Error(`round ${round}: ${result.error}`);
    const cpuUs = (runtimeNs(pids) - before) / 1e3 / result.requests;
    console.log(`round ${round}: ${result.rps.toFixed(0)} req/s, ${cpuUs.toFixed(1)} µs of CPU per request, RSS ${(rssKb(pids) / 1024).toFixed(0)} MB`);
  }
  return 0;
}

runMain('after-idle', main);
