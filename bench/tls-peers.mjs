// The peers of the HTTPS bench (bench/tls.mjs): Switchyard, nginx and Caddy
// terminating TLS for HOST in front of the same cheap backend, all three with
// the same ECDSA P-256 leaf and chain issued by Switchyard's local CA, so the
// handshake costs the same signature and the client verifies the same chain.
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { HOST, startOwnNginx, tempDir } from './peers.mjs';
import { freePort, startChild, waitForOutput } from './procs.mjs';

export const tlsPeerNames = ['switchyard', 'nginx', 'caddy'];
const repoDir = join(new URL('.', import.meta.url).pathname, '..');
const READY_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 1_000;
const PROBE_EVERY_MS = 100;
const CLI_TIMEOUT_MS = 15_000;
// Keep every client connection for the whole run, as bench/backends.mjs does
// upstream (nginx's default ends a connection after 1000 requests, h2 too).
const KEEPALIVE_REQUESTS = 1_000_000;
const KEEPALIVE_TIMEOUT_S = 120;

/** Runs the Switchyard CLI against the serve of `dataDir`; returns its stdout or throws its message. */
function switchyardCli(args, dataDir) {
  const r = spawnSync(join(repoDir, 'bin/switchyard.js'), [...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`switchyard ${args.slice(0, 2).join(' ')} failed: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.stdout;
}

/** One GET https://HOST:port/ trusting only `rootPem`; resolves { status, fingerprint, protocol, cipher, alpn } or { error }. */
function probe(port, rootPem) {
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, servername: HOST, path: '/', headers: { host: HOST }, ca: rootPem, agent: false, timeout: PROBE_TIMEOUT_MS },
      (res) => {
        const socket = res.socket;
        const answer = {
          status: res.statusCode,
          fingerprint: socket.getPeerCertificate().fingerprint256,
          protocol: socket.getProtocol(),
          cipher: socket.getCipher().standardName,
        };
        res.resume();
        res.on('end', () => resolve(answer));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ error: error.message }));
  });
}

/**
 * Polls https://HOST:port/ (verifying the chain against the root) until it
 * answers 200 with `leaf` (any leaf the root verifies if `leaf` has no
 * fingerprint); returns what was negotiated, for the report, and the fingerprint.
 */
async function waitForHttps(name, port, child, leaf) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = {};
  while (Date.now() < deadline && child.exitCode === null) {
    last = await probe(port, leaf.rootPem);
    if (last.status === 200) {
      if (leaf.fingerprint && last.fingerprint !== leaf.fingerprint) throw new Error(`${name} served another certificate than the bench leaf (${last.fingerprint}).`);
      return { negotiated: `${last.protocol} ${last.cipher}`, fingerprint: last.fingerprint };
    }
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  const output = child.output.trim().split('\n').slice(-3).join(' | ');
  throw new Error(`${name} did not answer 200 over TLS on 127.0.0.1:${port} (last: ${last.error ?? last.status ?? 'none'}). Output: ${output}`);
}

/**
 * The leaf Switchyard serves for HOST (the route's, as `switchyard cert list`
 * shows it): paths, the root, its fingerprint and the SPKI pin Chromium
 * takes. Not `cert issue HOST`: for a route's own names that writes a new
 * key and certificate over the route's files, and which one a listener
 * serves has changed across versions (bench/RESULTS.md, Local HTTPS); the
 * fingerprint it serves settles it.
 */
function readLeaf(dataDir, servedFingerprint) {
  const { leaves } = JSON.parse(switchyardCli(['cert', 'list', '--json'], dataDir));
  const listed = leaves.find((l) => l.fingerprint256 === servedFingerprint);
  if (!listed) throw new Error(`switchyard cert list shows no leaf with the fingerprint the listener serves for ${HOST} (${servedFingerprint}).`);
  const certificate = new X509Certificate(readFileSync(listed.certificatePath));
  if (certificate.publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`the bench leaf is not ECDSA P-256 (${certificate.publicKey.asymmetricKeyType}).`);
  }
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return {
    chainPath: listed.chainPath,
    keyPath: listed.keyPath,
    rootPem: readFileSync(join(dataDir, 'tls/root.crt'), 'utf8'),
    fingerprint: certificate.fingerprint256,
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}

/**
 * `serve` with its HTTPS listener and one route for HOST (health checks off,
 * so only the measured traffic reaches the backend); also issues the leaf the
 * other peers serve.
 */
export async function startSwitchyard({ backendPort, core }) {
  const dataDir = tempDir('tls-switchyard');
  const [port, httpPort] = [await freePort(), await freePort()];
  const argv = [join(repoDir, 'bin/switchyard.js'), 'serve', '--data-dir', dataDir, '--http-port', String(httpPort), '--https-port', String(port), '--admin-port', '0'];
  const child = startChild('switchyard', argv, { core, cwd: repoDir });
  await waitForOutput(child, /Press Ctrl\+C/);
  switchyardCli(['route', 'add', HOST, '--backend', `http://127.0.0.1:${backendPort}`, '--set', 'healthCheck=off'], dataDir);
  const rootPem = readFileSync(join(dataDir, 'tls/root.crt'), 'utf8');
  const served = await waitForHttps('switchyard', port, child, { rootPem });
  const leaf = readLeaf(dataDir, served.fingerprint);
  const negotiated = served.negotiated;
  return { name: 'switchyard', port, httpPort, child, leaf, negotiated };
}

/** nginx terminating TLS (ssl + http2, 1 worker, session cache and tickets as default) in front of the backend. */
export async function startNginx({ backendPort, core, leaf }) {
  const port = await freePort();
  // startOwnNginx waits for a plain HTTP 200 on the port it picks: a readiness listener beside the measured TLS one.
  const { child } = await startOwnNginx(
    'tls-nginx',
    { core },
    (_dir, readyPort) => `  upstream backend {
    server 127.0.0.1:${backendPort};
    keepalive 64;
    keepalive_requests ${KEEPALIVE_REQUESTS};
  }
  server {
    listen 127.0.0.1:${readyPort};
    location / { return 200; }
  }
  server {
    # nginx 1.22 takes http2 on the listen line ("http2 on;" came in 1.25.1).
    listen 127.0.0.1:${port} ssl http2;
    server_name ${HOST};
    # 1.22's default still lacks TLSv1.3 (1.23.4 made this line the default); the other peers offer 1.3.
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate ${leaf.chainPath};
    ssl_certificate_key ${leaf.keyPath};
    keepalive_requests ${KEEPALIVE_REQUESTS};
    keepalive_timeout ${KEEPALIVE_TIMEOUT_S}s;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Connection "";
    }
  }`,
  );
  const { negotiated } = await waitForHttps('nginx', port, child, leaf);
  return { name: 'nginx', port, child, negotiated };
}

/**
 * Caddy with a Caddyfile: `reverse_proxy` to the backend, `tls` with the
 * bench leaf, no admin endpoint, no automatic HTTPS (no redirect listener on
 * :80, no ACME) and HTTP/1.1 + h2 only (no HTTP/3 listener or Alt-Svc).
 */
export async function startCaddy({ backendPort, core, leaf }) {
  const dir = tempDir('tls-caddy');
  const port = await freePort();
  mkdirSync(join(dir, 'home'));
  const caddyfile = join(dir, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{
\tadmin off
\tauto_https off
\tstorage file_system ${join(dir, 'storage')}
\tservers {
\t\tprotocols h1 h2
\t}
}
https://${HOST}:${port} {
\tbind 127.0.0.1
\ttls ${leaf.chainPath} ${leaf.keyPath}
\treverse_proxy 127.0.0.1:${backendPort}
}
`,
  );
  // Go sizes GOMAXPROCS from the CPU affinity already; set it so the report need not rely on that.
  const env = { ...process.env, HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'home'), XDG_DATA_HOME: join(dir, 'home'), GOMAXPROCS: '1' };
  const child = startChild('caddy', ['caddy', 'run', '--config', caddyfile, '--adapter', 'caddyfile'], { core, env });
  const { negotiated } = await waitForHttps('caddy', port, child, leaf);
  return { name: 'caddy', port, child, negotiated };
}
