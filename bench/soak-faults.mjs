// The soak's deliberate faults: config changes through the admin API every
// few seconds, and a backend killed with SIGKILL and started again on the
// same port at a fixed period. Also how the bench scripts start `serve` and
// talk to its admin API (soak.mjs, idle.mjs).
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashChild, startChild, trackTempDir, waitForOutput } from './procs.mjs';

const repoDir = join(new URL('.', import.meta.url).pathname, '..');

const ADMIN_TIMEOUT_MS = 10_000;
const CONFIG_EVERY_MS = 3_000;
// Checks every second or faster (fall 3) see a killed backend down within
// about 3 s; it stays down longer, so they also see it come back, which is
// what ends its passive ejection early (otherwise it would sit out 30 s or
// more, alive, and the next kill would take the only backend left).
const HEALTH_INTERVALS_MS = [1_000, 750];
const DOWN_MS = 5_000;
const TICK_MS = 100;
const algorithms = ['round-robin', 'least-connections', 'random-two-choices', 'weighted-round-robin', 'ip-hash', 'consistent-hash'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps until `at` or until `shouldRun()` turns false, whichever is first. */
async function sleepUntil(at, shouldRun) {
  while (shouldRun() && Date.now() < at) await sleep(Math.min(TICK_MS, at - Date.now()));
}

/** The admin address and token `serve` wrote into its data directory. */
export function readConnection(dataDir) {
  return JSON.parse(readFileSync(join(dataDir, 'connection.json'), 'utf8'));
}

/**
 * The built `switchyard serve` on ephemeral ports with a fresh data dir (named
 * from `prefix`), once it says it is ready and its connection file names it.
 * `launcher` goes before the bin, e.g. `[process.execPath, '--cpu-prof']`;
 * without it the bin's own shebang (and its V8 flags) starts it.
 */
export async function startServe(prefix, launcher = []) {
  const dataDir = trackTempDir(mkdtempSync(join(tmpdir(), prefix)));
  const argv = [...launcher, join(repoDir, 'bin/switchyard.js'), 'serve', '--data-dir', dataDir, '--http-port', '0', '--https-port', '0', '--admin-port', '0'];
  const child = startChild('switchyard', argv, { cwd: repoDir });
  await waitForOutput(child, /Press Ctrl\+C/);
  const connection = readConnection(dataDir);
  if (connection.pid !== child.pid) throw new Error(`connection.json names pid ${connection.pid}, not the serve we started (${child.pid}).`);
  return { child, connection };
}

/**
 * One admin command: POST /api/v1/commands/NAME with the bearer token.
 * Resolves to its result; rejects with the API's error message. A fresh
 * connection each time (Connection: close) so the admin server holds no
 * idle socket of ours when the soak counts the proxy's descriptors.
 */
export function command(connection, name, input) {
  const body = JSON.stringify(input);
  const url = new URL(`/api/v1/commands/${name}`, connection.adminUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      timeout: ADMIN_TIMEOUT_MS,
      headers: { authorization: `Bearer ${connection.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' },
    });
    req.on('timeout', () => req.destroy(new Error(`${name}: no answer within ${ADMIN_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => {
        try {
          const envelope = JSON.parse(text);
          if (envelope.ok) resolve(envelope.result);
          else reject(new Error(`${name}: ${envelope.error?.code} ${envelope.error?.message}`));
        } catch {
          reject(new Error(`${name}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
        }
      });
    });
    req.end(body);
  });
}

/**
 * Config changes in a fixed cycle: the algorithm, route settings that touch
 * pools and health checks, and the third backend switched off and on,
 * removed and added again. Runs until `shouldRun()` turns false, then puts
 * the third backend back so the end state matches the start.
 */
export async function changeConfig({ connection, route, thirdUrl, shouldRun, stats }) {
  let thirdId = route.backends.find((b) => b.url === thirdUrl).id;
  let round = 0; // alternates the settings, walks through the algorithms
  const update = (patch) => command(connection, 'routes.update', { id: route.id, ...patch });
  const odd = () => round % 2 === 1;
  const cycle = [
    () => update({ algorithm: algorithms[(2 * round) % algorithms.length] }),
    () => command(connection, 'backends.setEnabled', { id: thirdId, enabled: false }),
    () => update({ settings: { compression: !odd(), idleTimeoutMs: odd() ? 60_000 : 30_000 } }),
    () => command(connection, 'backends.setEnabled', { id: thirdId, enabled: true }),
    () => update({ settings: { healthIntervalMs: HEALTH_INTERVALS_MS[round % 2], connectTimeoutMs: odd() ? 5_000 : 4_000 } }),
    () => command(connection, 'backends.remove', { id: thirdId }),
    () => update({ algorithm: algorithms[(2 * round + 1) % algorithms.length] }),
    async () => {
      const updated = await command(connection, 'backends.add', { routeId: route.id, url: thirdUrl });
      thirdId = updated.backends.find((b) => b.url === thirdUrl).id;
    },
  ];
  let step = 0;
  const nextChange = () => {
    round = Math.floor(step / cycle.length);
    return apply(cycle[step++ % cycle.length], stats);
  };
  for (let next = Date.now() + CONFIG_EVERY_MS; shouldRun(); next += CONFIG_EVERY_MS) {
    await sleepUntil(next, shouldRun);
    if (shouldRun()) await nextChange();
  }
  // Finish the cycle, so the third backend is back as it was at the start.
  while (step % cycle.length !== 0) await nextChange();
}

async function apply(change, stats) {
  try {
    await change();
    stats.configChanges++;
  } catch (error) {
    stats.configFailures.push(error.message);
  }
}

/**
 * Every `everyMs` (the first half a period in), kills one of `victims` in
 * turn with SIGKILL, waits a few seconds and starts it again on its port.
 * A restart in progress always completes, so no backend stays dead.
 */
export async function killBackends({ victims, everyMs, kills, restart, shouldRun, stats }) {
  let next = Date.now() + everyMs / 2;
  for (let i = 0; ; i++) {
    await sleepUntil(next, shouldRun);
    if (!shouldRun()) return;
    next += everyMs;
    const victim = victims[i % victims.length];
    kills.record(victim.url);
    await crashChild(victim.child);
    stats.kills++;
    await sleep(DOWN_MS);
    victim.child = await restart(victim);
    stats.restarts++;
  }
}

export const faultTiming = { configEveryMs: CONFIG_EVERY_MS, downMs: DOWN_MS };

/** The soak route's settings: retries on (as by default), checks fast enough to see each kill. */
export const routeSettings = { retries: 2, healthIntervalMs: HEALTH_INTERVALS_MS[0] };
