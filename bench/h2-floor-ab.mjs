// h2 against Node's floor (bench/h2-floor.mjs: node:http2 answering by
// itself), in the same interleaved rounds as nginx and Caddy proxying and
// Switchyard: says whether the h2 targets of issue 12 (rate ≥ 0.5× nginx, CPU
// per request below Caddy's) sit above or below what node:http2 alone costs.
//   node bench/h2-floor-ab.mjs [--rounds 5] [--seconds 4]
import { parseArgs } from 'node:util';
import { startBackend } from './backends.mjs';
import { freePort, processTree, runMain, runtimeNs, startChild, waitForOutput } from './procs.mjs';
import { median } from './report.mjs';
import { runH2load } from './tls-load.mjs';
import { startCaddy, startNginx, startSwitchyard } from './tls-peers.mjs';

const LOAD_CORE = 0;
const PEER_CORE = 1;
const WARMUP_SECONDS = 2;
/** As bench/tls.mjs's h2 case. */
const CONNECTIONS = 16;
const STREAMS = 10;

const { values: options } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '4' } } });

async function startFloor(leaf) {
  const port = await freePort();
  const child = startChild('h2-floor', [process.execPath, new URL('./h2-floor.mjs', import.meta.url).pathname, String(port), leaf.keyPath, leaf.chainPath], { core: PEER_CORE });
  await waitForOutput(child, /listening/);
  return { name: 'h2-floor', port, child };
}

async function main() {
  const backend = await startBackend('nginx', { core: LOAD_CORE });
  const switchyard = await startSwitchyard({ backendPort: backend.port, core: PEER_CORE });
  const leaf = switchyard.leaf;
  const peers = [switchyard, await startNginx({ backendPort: backend.port, core: PEER_CORE, leaf }), await startCaddy({ backendPort: backend.port, core: PEER_CORE, leaf }), await startFloor(leaf)];
  const run = (peer, seconds) => runH2load({ port: peer.port, connections: CONNECTIONS, streams: STREAMS, seconds, core: LOAD_CORE });
  for (const peer of peers) await run(peer, WARMUP_SECONDS);
  const figures = new Map(peers.map((p) => [p.name, []]));
  for (let round = 0; round < Number(options.rounds); round++) {
    const line = [];
    for (const peer of peers.map((_, i) => peers[(i + round) % peers.length])) {
      const pids = processTree(peer.child.pid);
      const before = runtimeNs(pids);
      const result = await run(peer, Number(options.seconds));
      if (result.error) throw new Error(`${peer.name}: ${result.error}`);
      const cpuUs = (runtimeNs(pids) - before) / 1e3 / result.requests;
      figures.get(peer.name).push({ rps: result.rps, cpuUs });
      line.push(`${peer.name} ${result.rps.toFixed(0)} req/s ${cpuUs.toFixed(1)} µs/req`);
    }
    console.log(`round ${round + 1}: ${line.join(' | ')}`);
  }
  for (const [name, runs] of figures) {
    console.log(`${name}: median ${median(runs.map((r) => r.rps)).toFixed(0)} req/s, ${median(runs.map((r) => r.cpuUs)).toFixed(1)} µs of CPU per request`);
  }
  return 0;
}

runMain('h2-floor-ab', main);
