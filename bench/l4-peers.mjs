// The Layer 4 bench's processes: a real redis-server (the backend) and the
// peers relaying TCP to it: Switchyard (a TCP route), HAProxy `mode tcp`,
// nginx `stream` and the bare Node pipe (l4-pipe.mjs). Each peer is ready
// once a PING through it answers +PONG. A peer that cannot start throws an
// Error whose message is one clear line.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tempDir } from './peers.mjs';
import { freePort, startChild, waitForOutput } from './procs.mjs';

export const l4PeerNames = ['switchyard', 'haproxy', 'nginx', 'node-pipe'];
const benchDir = new URL('.', import.meta.url).pathname;
const repoDir = join(benchDir, '..');
/** Debian's libnginx-mod-stream: nginx-light is built with stream as a dynamic module and does not ship it. */
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const READY_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 1_000;
const PROBE_EVERY_MS = 100;
const CLI_TIMEOUT_MS = 15_000;
// Far above redis-benchmark's 50 clients and the connections still closing in the new-connection case, and within
// HAProxy's file limit here (it wants two descriptors per connection, 20,000 at most in this shell).
const MAX_CONNECTIONS = 5_000;
const IDLE_TIMEOUT_S = 60;

/** One PING on a new connection to port; resolves true on +PONG. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk;
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

/** Polls PING through the peer until it answers +PONG. */
async function waitForPong(name, port, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  const output = child.output.trim().split('\n').slice(-3).join(' | ');
  throw new Error(`${name} did not relay a PING to Redis on 127.0.0.1:${port}.${output ? ` Output: ${output}` : ''}`);
}

/** redis-server on `core`: no persistence (nothing touches the disk mid-run), loopback only. */
export async function startRedis({ core }) {
  const dir = tempDir('redis');
  const port = await freePort();
  const argv = ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxclients', String(MAX_CONNECTIONS), '--protected-mode', 'no', '--daemonize', 'no'];
  const child = startChild('redis', argv, { core });
  await waitForPong('redis-server', port, child);
  return { port, child };
}

function switchyardCli(args, dataDir) {
  const r = spawnSync(join(repoDir, 'bin/switchyard.js'), [...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`switchyard ${args.slice(0, 2).join(' ')} failed: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.stdout;
}

/** `serve` with one TCP route to Redis, its settings as a user's (health checks on, connection records kept). */
async function startSwitchyard({ backendPort, core }) {
  const dataDir = tempDir('l4-switchyard');
  const [httpPort, adminPort, port] = [await freePort(), await freePort(), await freePort()];
  const serve = [join(repoDir, 'bin/switchyard.js'), 'serve', '--data-dir', dataDir, '--http-port', String(httpPort), '--https-port', '0', '--admin-port', String(adminPort)];
  const child = startChild('switchyard', serve, { core, cwd: repoDir });
  await waitForOutput(child, /Press Ctrl\+C/);
  const url = `tcp://127.0.0.1:${port}`;
  switchyardCli(['route', 'add', url, '--backend', `tcp://127.0.0.1:${backendPort}`, '--set', `maxConnections=${MAX_CONNECTIONS}`], dataDir);
  return { port, child, note: `one TCP route ${url.replace(String(port), 'PORT')}, maxConnections ${MAX_CONNECTIONS}, every other setting its default` };
}

async function startHaproxy({ backendPort, core }) {
  const dir = tempDir('l4-haproxy');
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
  nbthread 1
  maxconn ${MAX_CONNECTIONS}
defaults
  mode tcp
  timeout connect 5s
  timeout client ${IDLE_TIMEOUT_S}s
  timeout server ${IDLE_TIMEOUT_S}s
frontend l4
  bind 127.0.0.1:${port}
  default_backend redis
backend redis
  server redis 127.0.0.1:${backendPort}
`,
  );
  const child = startChild('haproxy', ['haproxy', '-f', cfg, '-db'], { core });
  return { port, child, note: 'nbthread 1, mode tcp, no checks' };
}

async function startNginx({ backendPort, core }) {
  if (!existsSync(NGINX_STREAM_MODULE)) throw new Error(`nginx's stream module is not installed (${NGINX_STREAM_MODULE}; apt-get install libnginx-mod-stream).`);
  const dir = tempDir('l4-nginx');
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `load_module ${NGINX_STREAM_MODULE};
worker_processes 1;
worker_rlimit_nofile ${MAX_CONNECTIONS * 2};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${MAX_CONNECTIONS}; }
stream {
  upstream redis { server 127.0.0.1:${backendPort}; }
  server {
    listen 127.0.0.1:${port};
    proxy_pass redis;
    proxy_timeout ${IDLE_TIMEOUT_S}s;
  }
}
`,
  );
  const child = startChild('nginx', ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { core });
  return { port, child, note: '1 worker, stream module, access log off (stream default)' };
}

async function startPipe({ backendPort, core }) {
  const child = startChild('node-pipe', [process.execPath, join(benchDir, 'l4-pipe.mjs'), '0', String(backendPort)], { core });
  const port = Number((await waitForOutput(child, /ready (\d+)/))[1]);
  return { port, child, note: 'bench/l4-pipe.mjs' };
}

const starters = { switchyard: startSwitchyard, haproxy: startHaproxy, nginx: startNginx, 'node-pipe': startPipe };

/** Starts peer `name` in front of Redis on `backendPort`, pinned to `core`; resolves once a PING goes through it. */
export async function startL4Peer(name, { backendPort, core }) {
  const { port, child, note } = await starters[name]({ backendPort, core });
  await waitForPong(name, port, child);
  return { name, port, child, note };
}
