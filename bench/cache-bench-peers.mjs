// The HTTP cache bench's processes: a cheap nginx backend whose small answer
// says max-age, Switchyard with the route's cache on (and off, for what a hit
// saves) and nginx with proxy_cache, each in front of it. probeCacheState
// asks a peer once and says whether it answered from its cache.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { HOST, startOwnNginx, tempDir, waitForHttp } from './peers.mjs';
import { freePort, startChild, waitForOutput } from './procs.mjs';

export const cachePeerNames = ['direct', 'switchyard', 'switchyard-nocache', 'nginx'];
const repoDir = join(new URL('.', import.meta.url).pathname, '..');
/** A small answer (a short JSON document's size), cacheable for longer than any run. */
const BODY_BYTES = 1024;
const MAX_AGE_S = 3600;
const CLI_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 2_000;
// Every connection kept for the whole run on both sides, as bench/backends.mjs does.
const KEEPALIVE_REQUESTS = 1_000_000;
const KEEPALIVE_TIMEOUT_S = 120;
// As in RFC 9111's terms: what nginx's proxy_cache keeps at most here; the entry is 1 KiB.
const NGINX_CACHE_MAX = '64m';

/** The backend: nginx, 1 worker on `core`, `/` a BODY_BYTES answer with Cache-Control: max-age. */
export async function startCacheBackend({ core }) {
  const { port, child } = await startOwnNginx('cache-backend', { core }, (_dir, listenPort) => `  keepalive_requests ${KEEPALIVE_REQUESTS};
  keepalive_timeout ${KEEPALIVE_TIMEOUT_S}s;
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      default_type text/plain;
      add_header Cache-Control "max-age=${MAX_AGE_S}";
      return 200 "${'x'.repeat(BODY_BYTES)}";
    }
  }`);
  return { port, child, note: `1 worker, \`/\` answers ${BODY_BYTES} bytes with \`Cache-Control: max-age=${MAX_AGE_S}\`` };
}

function switchyardCli(args, dataDir) {
  const r = spawnSync(join(repoDir, 'bin/switchyard.js'), [...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`switchyard ${args.slice(0, 2).join(' ')} failed: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.stdout;
}

async function startSwitchyard({ backendPort, core, cache }) {
  const dataDir = tempDir('cache-switchyard');
  const [port, adminPort] = [await freePort(), await freePort()];
  const serve = [join(repoDir, 'bin/switchyard.js'), 'serve', '--data-dir', dataDir, '--http-port', String(port), '--https-port', '0', '--admin-port', String(adminPort)];
  const child = startChild(cache ? 'switchyard' : 'switchyard-nocache', serve, { core, cwd: repoDir });
  await waitForOutput(child, /Press Ctrl\+C/);
  switchyardCli(['route', 'add', HOST, '--backend', `http://127.0.0.1:${backendPort}`, '--set', `cache=${cache ? 'on' : 'off'}`], dataDir);
  await waitForHttp('switchyard', port, child);
  return { port, child, note: `one route, cache=${cache ? 'on (in memory, its defaults)' : 'off'}, every other setting its default` };
}

function startNginx({ backendPort, core }) {
  return startOwnNginx('nginx-cache', { core }, (dir, port) => `  proxy_cache_path ${dir}/cache levels=1 keys_zone=bench:1m max_size=${NGINX_CACHE_MAX} use_temp_path=off;
  upstream backend {
    server 127.0.0.1:${backendPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests ${KEEPALIVE_REQUESTS};
    keepalive_timeout ${KEEPALIVE_TIMEOUT_S}s;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Connection "";
      proxy_cache bench;
      add_header X-Cache-Status $upstream_cache_status;
    }
  }`).then(({ port, child }) => ({ port, child, note: '1 worker, `proxy_cache` (its defaults: the entry in a file, read on every hit), upstream keepalive 64' }));
}

const starters = {
  switchyard: (options) => startSwitchyard({ ...options, cache: true }),
  'switchyard-nocache': (options) => startSwitchyard({ ...options, cache: false }),
  nginx: startNginx,
};

/** Starts peer `name` in front of the backend on `backendPort`, pinned to `core`. */
export async function startCachePeer(name, { backendPort, core }) {
  const { port, child, note } = await starters[name]({ backendPort, core });
  return { name, port, child, note };
}

/** Whether a peer answers as it should after the warm-up: from its cache when it has one, from the backend otherwise. */
export function probeCacheState(peer) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: peer.port, path: '/', headers: { host: HOST }, agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      const status = res.headers['cache-status'] ?? res.headers['x-cache-status'];
      const hit = peer.name === 'nginx' ? status === 'HIT' : /;\s*hit\b/.test(String(status));
      const wantsHit = peer.name === 'switchyard' || peer.name === 'nginx';
      const said = status ? `${res.headers['cache-status'] ? 'Cache-Status' : 'X-Cache-Status'}: ${status}` : 'no cache status';
      resolve({ ok: res.statusCode === 200 && hit === wantsHit, text: `${res.statusCode}, ${said}${hit === wantsHit ? '' : wantsHit ? ' (NOT a hit)' : ' (a hit where no cache should be)'}` });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ ok: false, text: `no answer: ${error.message}` }));
  });
}
