// Interleaved A/B of the HTTPS listener's cost per new connection: CPU of the
// server's process tree (scheduler time, /proc/PID/task/TID/schedstat) per
// full TLS handshake + one HTTP/1.1 request, from bench/tls-handshakes.mjs
// (16 lanes, never resuming), the method of bench/tls.mjs's "handshake" case.
//   npx electron-vite build && cp -r out node_modules/.tlsA   (baseline; copies live in the repo so imports resolve)
//   node bench/tls-ab.mjs [--rounds 6] [--seconds 5] [--keepalive] [--floor] [--floor-options JSON]... [--caddy] [--caddy-static] [--pipe] [--cpu-prof DIR] node_modules/.tlsA node_modules/.tlsB
// Each build runs as its own `serve` with an HTTPS listener and one route to
// the backend (health checks off), on core 1; the backend nginx and the client
// run on core 0. --floor adds bench/tls-floor.mjs (bare tls.createServer, fixed
// answer, same leaf) once per --floor-options given (or once with none;
// '{"env":{"OPENSSL_CONF":FILE}}' starts it with an OpenSSL config, e.g.
// NumTickets); --caddy adds Caddy proxying with the same leaf, --caddy-static
// Caddy answering "ok" itself (Caddy's own floor), --pipe bench/tls-pipe.mjs
// (TLS terminated and piped to the backend: Node's floor for an HTTPS proxy).
// --keepalive measures CPU per request on 64 keep-alive connections (wrk, as
// bench/tls.mjs's keep-alive case) instead of per new connection. Each round measures every
// target once, in an order rotated each round; medians and each target's
// per-round ratio to the first one are reported, with the load average.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { startBackend } from './backends.mjs';
import { HOST, tempDir } from './peers.mjs';
import { buildNodeFlags, freePort, processTree, runMain, runtimeNs, startChild, systemTicks, ticksPerSecond, waitForOutput } from './procs.mjs';
import { median } from './report.mjs';
import { runHandshakes, runWrkTls } from './tls-load.mjs';
import { startCaddy } from './tls-peers.mjs';

const LOAD_CORE = 0;
const SERVER_CORE = 1;
const WARMUP_SECONDS = 2;
const LANES = 16;
/** As bench/tls.mjs's keep-alive case: wrk -t1 -c64. */
const KEEPALIVE_CONNECTIONS = 64;
const CLI_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 15_000;
const PROBE_EVERY_MS = 100;
const repoDir = join(new URL('.', import.meta.url).pathname, '..');
const log = (line) => process.stdout.write(`${line}\n`);

const { values: options, positionals: builds } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '5' },
    floor: { type: 'boolean', default: false },
    'floor-options': { type: 'string', multiple: true },
    caddy: { type: 'boolean', default: false },
    'caddy-static': { type: 'boolean', default: false },
    keepalive: { type: 'boolean', default: false },
    pipe: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const rounds = Number(options.rounds);
const seconds = Number(options.seconds);

function cli(entry, args, dataDir) {
  const r = spawnSync(process.execPath, [entry, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`${args.slice(0, 2).join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** The fingerprint served for HOST on port, once a handshake succeeds (no verification: tls-peers.mjs checks the chain). */
async function servedFingerprint(port) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const fingerprint = await new Promise((done) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: HOST, rejectUnauthorized: false }, () => {
        done(socket.getPeerCertificate().fingerprint256);
        socket.destroy();
      });
      socket.once('error', () => done(undefined));
    });
    if (fingerprint) return fingerprint;
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  throw new Error(`nothing answered TLS on 127.0.0.1:${port}`);
}

/** `serve` of a build copy with its HTTPS listener, pinned, one route for HOST; also returns the leaf it serves. */
async function startBuild(dir, backendPort) {
  const entry = join(resolve(dir), 'main/headless.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: copy a build there (cp -r out ${dir}).`);
  const dataDir = tempDir('tls-ab');
  const [port, httpPort] = [await freePort(), await freePort()];
  const flags = buildNodeFlags(dir, options['cpu-prof']);
  const serve = ['serve', '--data-dir', dataDir, '--http-port', String(httpPort), '--https-port', String(port), '--admin-port', '0'];
  const child = startChild(dir, [process.execPath, ...flags, entry, ...serve], { core: SERVER_CORE, cwd: repoDir });
  await waitForOutput(child, /Press Ctrl\+C/);
  cli(entry, ['route', 'add', HOST, '--backend', `http://127.0.0.1:${backendPort}`, '--set', 'healthCheck=off'], dataDir);
  const fingerprint = await servedFingerprint(port);
  // The route's leaf is issued in the background: wait until the listener serves it, not the default one.
  const { leaves } = JSON.parse(cli(entry, ['cert', 'list', '--json'], dataDir));
  const leaf = leaves.find((l) => l.fingerprint256 === fingerprint);
  return { name: dir, port, child, leaf: leaf && { keyPath: leaf.keyPath, chainPath: leaf.chainPath, rootPem: readFileSync(join(dataDir, 'tls/root.crt'), 'utf8'), fingerprint } };
}

async function startFloor(leaf, extra, index) {
  const port = await freePort();
  // `env` in the options is the floor's environment (OPENSSL_CONF: OpenSSL's own knobs, e.g. NumTickets), the rest its tls options.
  const { env, ...knobs } = JSON.parse(extra ?? '{}');
  const argv = [process.execPath, join(repoDir, 'bench/tls-floor.mjs'), String(port), leaf.keyPath, leaf.chainPath, JSON.stringify(knobs)];
  const child = startChild('floor', argv, { core: SERVER_CORE, cwd: repoDir, env: env && { ...process.env, ...env } });
  await waitForOutput(child, /floor listening/);
  if ((await servedFingerprint(port)) !== leaf.fingerprint) throw new Error('the floor serves another leaf than the build');
  return { name: extra ? `floor${index} ${extra}` : 'floor', port, child };
}

/** bench/tls-pipe.mjs with the same leaf: TLS terminated and piped to the backend, Node's floor for an HTTPS proxy. */
async function startTlsPipe(leaf, backendPort) {
  const port = await freePort();
  const argv = [process.execPath, join(repoDir, 'bench/tls-pipe.mjs'), String(port), leaf.keyPath, leaf.chainPath, String(backendPort)];
  const child = startChild('tls-pipe', argv, { core: SERVER_CORE, cwd: repoDir });
  await waitForOutput(child, /ready/);
  return { name: 'tls-pipe', port, child };
}

/** Caddy answering `respond "ok"` itself with the same leaf: Caddy's own floor, beside Node's (bench/tls-floor.mjs). */
async function startCaddyStatic(leaf) {
  const dir = tempDir('tls-ab-caddy');
  const port = await freePort();
  mkdirSync(join(dir, 'home'));
  const caddyfile = join(dir, 'Caddyfile');
  const site = `https://${HOST}:${port} {\n\tbind 127.0.0.1\n\ttls ${leaf.chainPath} ${leaf.keyPath}\n\trespond "ok"\n}\n`;
  writeFileSync(caddyfile, `{\n\tadmin off\n\tauto_https off\n\tstorage file_system ${join(dir, 'storage')}\n\tservers {\n\t\tprotocols h1 h2\n\t}\n}\n${site}`);
  // As bench/tls-peers.mjs starts Caddy: its own HOME, GOMAXPROCS 1.
  const env = { ...process.env, HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'home'), XDG_DATA_HOME: join(dir, 'home'), GOMAXPROCS: '1' };
  const child = startChild('caddy-static', ['caddy', 'run', '--config', caddyfile, '--adapter', 'caddyfile'], { core: SERVER_CORE, env });
  if ((await servedFingerprint(port)) !== leaf.fingerprint) throw new Error('caddy-static serves another leaf than the build');
  return { name: 'caddy-static', port, child };
}

async function measure(target, runSeconds) {
  const pids = processTree(target.child.pid);
  const before = runtimeNs(pids);
  const systemBefore = systemTicks(pids);
  const result = options.keepalive
    ? await runWrkTls({ port: target.port, connections: KEEPALIVE_CONNECTIONS, seconds: runSeconds, core: LOAD_CORE })
    : await runHandshakes({ port: target.port, connections: LANES, seconds: runSeconds, core: LOAD_CORE });
  if (result.error) return result;
  if (result.non2xx || result.socketErrors) return { error: `${result.non2xx} non-2xx, ${result.socketErrors} errors` };
  const cpuSeconds = (runtimeNs(pids) - before) / 1e9;
  const systemUs = (((systemTicks(pids) - systemBefore) / ticksPerSecond) * 1e6) / result.requests;
  return { ...result, cpuUs: (cpuSeconds * 1e6) / result.requests, systemUs, corePercent: (cpuSeconds / result.seconds) * 100 };
}

const describe = (r) => (r.error ? `FAILED: ${r.error}` : `${r.cpuUs.toFixed(0)} µs/${options.keepalive ? "req" : "conn"} (sys ${r.systemUs.toFixed(0)}), ${r.rps.toFixed(0)}/s, core ${r.corePercent.toFixed(0)}%`);

async function main() {
  if (builds.length === 0 && !options.floor) throw new Error('Name at least one build copy, e.g. node bench/tls-ab.mjs node_modules/.tlsA node_modules/.tlsB');
  log(`TLS A/B: ${rounds} rounds of ${seconds} s, ${LANES} lanes; 1-minute load average ${os.loadavg()[0].toFixed(2)}`);
  const backend = await startBackend('nginx', { core: LOAD_CORE });
  const targets = [];
  let leaf;
  for (const dir of builds) {
    const target = await startBuild(dir, backend.port);
    leaf ??= target.leaf;
    targets.push(target);
  }
  if ((options.floor || options.caddy || options['caddy-static'] || options.pipe) && !leaf) throw new Error('--floor and --caddy serve the leaf of the first build: name a build.');
  if (options.floor) {
    const extras = options['floor-options'] ?? [undefined];
    for (const [i, extra] of extras.entries()) targets.push(await startFloor(leaf, extra, i + 1));
  }
  if (options.caddy) targets.push(await startCaddy({ backendPort: backend.port, core: SERVER_CORE, leaf }));
  if (options['caddy-static']) targets.push(await startCaddyStatic(leaf));
  if (options.pipe) targets.push(await startTlsPipe(leaf, backend.port));
  for (const target of targets) await measure(target, WARMUP_SECONDS);

  const runs = new Map(targets.map((t) => [t.name, []]));
  const loads = [];
  for (let round = 0; round < rounds; round++) {
    loads.push(os.loadavg()[0]);
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    const results = new Map();
    for (const target of order) {
      const result = await measure(target, seconds);
      results.set(target.name, result);
      runs.get(target.name).push(result.cpuUs ?? Number.NaN);
    }
    const first = results.get(targets[0].name).cpuUs;
    const line = targets.map((t) => `${t.name} ${describe(results.get(t.name))}${t === targets[0] ? '' : ` (${((results.get(t.name).cpuUs / first - 1) * 100).toFixed(1)}%)`}`);
    log(`round ${round + 1} (load ${loads.at(-1).toFixed(2)}): ${line.join(' | ')}`);
  }

  log(`\nmedian CPU per ${options.keepalive ? "request" : "connection"} (load average per round ${loads.map((l) => l.toFixed(1)).join(' ')}, at the end ${os.loadavg()[0].toFixed(2)}):`);
  const base = runs.get(targets[0].name);
  for (const target of targets) {
    const list = runs.get(target.name);
    const ratios = list.map((v, i) => v / base[i]);
    const vsFirst =
      target === targets[0]
        ? ''
        : `, ${((median(list) / median(base) - 1) * 100).toFixed(1)}% vs ${targets[0].name} (median of the rounds' ratios ${((median(ratios) - 1) * 100).toFixed(1)}%, lower in ${ratios.filter((r) => r < 1).length} of ${ratios.length})`;
    log(`  ${target.name}: ${median(list).toFixed(0)} µs${vsFirst} (rounds: ${list.map((v) => v.toFixed(0)).join(' ')})`);
  }
  return 0;
}

runMain('tls-ab', main);
