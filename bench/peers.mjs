// Starting the targets under test, each proxying the same backend on 127.0.0.1.
// A peer that cannot start throws an Error whose message is one clear line.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startChild, trackTempDir, waitForOutput } from './procs.mjs';

export const HOST = 'bench.localhost';
// switchyard-norecord is the same build with the traffic record off (trafficRecords 0),
// so the record's cost is the difference between two targets of the same rounds.
export const peerNames = ['direct', 'switchyard', 'switchyard-norecord', 'nginx', 'haproxy', 'http-proxy', 'node-framing', 'node-parse'];
const benchDir = new URL('.', import.meta.url).pathname;
const repoDir = join(benchDir, '..');

/** A temp dir removed when the harness stops. */
export function tempDir(prefix) {
  const dir = trackTempDir(mkdtempSync(join(tmpdir(), `switchyard-bench-${prefix}-`)));
  chmodSync(dir, 0o755); // nginx workers run as nobody when we are root
  return dir;
}

function getStatus(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host: HOST }, agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Polls GET / through the peer until it answers 200. */
export async function waitForHttp(name, port, child, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) break;
    status = await getStatus(port);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const output = child ? ` Output: ${child.output.trim().split('\n').slice(-3).join(' | ')}` : '';
  throw new Error(`${name} did not answer 200 on 127.0.0.1:${port} (last status ${status || 'none'}).${output}`);
}

/** Runs the Switchyard CLI against the serve of `dataDir`; returns its stdout or throws its message. */
function switchyardCli(args, dataDir) {
  // Run the bin as a user's `npx switchyard` does: through its shebang, which carries its V8 flags.
  const r = spawnSync(join(repoDir, 'bin/switchyard.js'), [...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) throw new Error(`switchyard ${args.slice(0, 2).join(' ')} failed: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.stdout;
}

/**
 * Throws unless every KEY=VALUE of `settings` reads back from `applied`
 * (`switchyard settings --json`): a setting a build ignored would make an
 * A/B compare a build with itself.
 */
export function checkSettingsApplied(label, settings, applied) {
  for (const setting of settings) {
    const at = setting.indexOf('=');
    const [key, value] = [setting.slice(0, at), setting.slice(at + 1)];
    if (String(applied[key]) !== value) throw new Error(`${label}: setting ${key} reads back as ${applied[key]}, not ${value}.`);
  }
}

/**
 * `serve` with one route for HOST. `settings` (KEY=VALUE) go through
 * `switchyard settings --set` before the route exists, and are read back so
 * the report says what was measured rather than what was asked for.
 */
async function startSwitchyard({ backendPort, core, settings = [] }) {
  const dataDir = tempDir('switchyard');
  const [port, adminPort] = [await freePort(), await freePort()];
  const serve = [join(repoDir, 'bin/switchyard.js'), 'serve', '--data-dir', dataDir, '--http-port', String(port), '--https-port', '0', '--admin-port', String(adminPort)];
  const child = startChild('switchyard', serve, { core, cwd: repoDir });
  await waitForOutput(child, /Press Ctrl\+C/);
  if (settings.length) switchyardCli(['settings', ...settings.flatMap((s) => ['--set', s])], dataDir);
  const applied = JSON.parse(switchyardCli(['settings', '--json'], dataDir));
  checkSettingsApplied('switchyard', settings, applied);
  switchyardCli(['route', 'add', HOST, '--backend', `http://127.0.0.1:${backendPort}`], dataDir);
  await waitForHttp('switchyard', port, child);
  // After the run: does the record hold exchanges? Proves on and off measured different builds of the same thing.
  const afterRun = () => {
    try {
      const held = switchyardCli(['logs', '--json', '--limit', '1'], dataDir).trim();
      return held ? 'the record held exchanges after the run' : 'the record was empty after the run';
    } catch (error) {
      return `the record could not be read after the run (${error.message})`;
    }
  };
  return { port, child, note: `trafficRecords ${applied.trafficRecords}`, afterRun };
}

/**
 * An nginx of its own (1 worker, its prefix and temp paths in a fresh temp
 * dir, access log off) on a free loopback port, pinned to `core`; `http(dir,
 * port)` gives the rest of its http block. Used for the nginx peer and the
 * cheap nginx backend alike.
 */
export async function startOwnNginx(name, { core }, http) {
  const dir = tempDir(name);
  const port = await freePort();
  const temp = (path) => `${path}_temp_path ${dir}/${path.replace('_', '-')};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
${http(dir, port)}
}
`,
  );
  const child = startChild(name, ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { core });
  await waitForHttp(name, port, child);
  return { port, child };
}

function startNginx({ backendPort, core }) {
  return startOwnNginx('nginx', { core }, (_dir, port) => `  upstream backend {
    server 127.0.0.1:${backendPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  # Empty Connection header (upstream keep-alive) unless the client upgrades.
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Upgrade $http_upgrade;
    }
  }`);
}

async function startHaproxy({ backendPort, core }) {
  const dir = tempDir('haproxy');
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 60s
frontend bench
  bind 127.0.0.1:${port}
  default_backend app
backend app
  server app 127.0.0.1:${backendPort}
`,
  );
  const child = startChild('haproxy', ['haproxy', '-f', cfg, '-db'], { core });
  await waitForHttp('haproxy', port, child);
  return { port, child };
}

async function startHttpProxy({ backendPort, core }) {
  try {
    createRequire(join(repoDir, 'package.json')).resolve('http-proxy');
  } catch {
    throw new Error('http-proxy is not installed (run `npm install`).');
  }
  const port = await freePort();
  const child = startChild('http-proxy', [process.execPath, join(benchDir, 'http-proxy-server.mjs'), String(port), String(backendPort)], { core, cwd: repoDir });
  await waitForOutput(child, /ready \d+/);
  await waitForHttp('http-proxy', port, child);
  return { port, child };
}

/** One of bench/http-floor.mjs's floors (`mode`: framing or parse), the floor under any HTTP/1.1 proxy on Node's `net`. */
async function startNodeFloor(mode, { backendPort, core }) {
  const port = await freePort();
  const child = startChild(`node-${mode}`, [process.execPath, join(benchDir, 'http-floor.mjs'), mode, String(port), String(backendPort)], { core, cwd: repoDir });
  await waitForOutput(child, /ready \d+/);
  await waitForHttp(`node-${mode}`, port, child);
  return { port, child };
}

const starters = {
  switchyard: startSwitchyard,
  'switchyard-norecord': (options) => startSwitchyard({ ...options, settings: ['trafficRecords=0'] }),
  nginx: startNginx,
  haproxy: startHaproxy,
  'http-proxy': startHttpProxy,
  'node-framing': (options) => startNodeFloor('framing', options),
  'node-parse': (options) => startNodeFloor('parse', options),
};

/**
 * Starts one target. `direct` is the backend itself (no proxy process), and
 * `backendChild` the process measured for it.
 * Returns { name, port, child, ws, note, afterRun } where ws says whether the
 * peer is set up to carry WebSocket upgrades, note (if any) what the report
 * should say about its configuration and afterRun (if any) what it should say
 * about its state after the rounds.
 */
export async function startPeer(name, { backendPort, backendChild, core }) {
  // Direct's CPU and RSS are the backend's own: what every target's requests also cost core 0.
  if (name === 'direct') return { name, port: backendPort, child: backendChild, ws: true };
  const { port, child, note, afterRun } = await starters[name]({ backendPort, core });
  return { name, port, child, ws: true, note, afterRun };
}
