// The soak's clients: a bounded number of HTTP workers and WebSocket
// sessions against the proxy on loopback, and the rules that sort every
// outcome into success, deliberate abort, a failure a deliberate fault
// explains, or an unexplained error.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import WebSocket from 'ws';

export const HOST = 'soak.localhost';
const HTTP_WORKERS = 6;
const WS_SESSIONS = 2;
// One round of the mix per worker: mostly small keep-alive requests, as a
// browser or API client sends them, with the heavier kinds in between.
const MIX = ['keepalive', 'keepalive', 'close', 'download', 'keepalive', 'upload', 'keepalive', 'abort', 'close', 'keepalive'];
const MIB = 1024 * 1024;
const UPLOAD_MIN_BYTES = 200 * 1024;
const UPLOAD_MAX_BYTES = 500 * 1024;
// Far above any answer on loopback (the slowest, /drip, takes about 1 s).
const REQUEST_TIMEOUT_MS = 10_000;
const WS_HANDSHAKE_TIMEOUT_MS = 5_000;
const WS_MIN_MS = 2_000;
const WS_MAX_MS = 5_000;
// One message in flight per session, paced: the point is sessions opening,
// living and closing, not echo throughput.
const WS_PAUSE_MS = 10;
// A kill takes effect when the kernel closes the dead process's sockets; the
// proxy learns of it only when it next reads them, so a request that began
// just after the signal may still have gone out on such a connection.
const KILL_GRACE_MS = 250;
const KEEP_TEXT = 600;
const SAMPLES_PER_CAUSE = 3;

const between = (min, max) => min + Math.floor(Math.random() * (max - min));

/** Counts of everything the clients saw, and a few examples of each problem. */
export class Tally {
  ok = {};
  aborted = 0;
  wsMessages = 0;
  explained = {};
  unexplained = {};
  samples = [];

  success(kind) {
    this.ok[kind] = (this.ok[kind] ?? 0) + 1;
  }

  problem(explained, kind, cause, detail) {
    const bucket = explained ? this.explained : this.unexplained;
    bucket[cause] = (bucket[cause] ?? 0) + 1;
    if (bucket[cause] <= SAMPLES_PER_CAUSE) this.samples.push({ at: new Date().toISOString(), explained, kind, cause, detail });
  }

  get requests() {
    return Object.values(this.ok).reduce((a, b) => a + b, 0) + this.aborted + this.count(this.explained) + this.count(this.unexplained);
  }

  count(bucket) {
    return Object.values(bucket).reduce((a, b) => a + b, 0);
  }
}

/**
 * The kills the fault loop made, so a failure can be checked against them:
 * was this exchange in flight when that backend was killed?
 */
export class KillLog {
  kills = [];

  record(url) {
    this.kills.push({ url, at: Date.now() });
  }

  /** Whether `url` (any backend when omitted) was killed while [startedAt, endedAt] was in flight. */
  inFlightAtKill({ startedAt, endedAt }, url) {
    return this.kills.some((k) => (url === undefined || k.url === url) && startedAt <= k.at + KILL_GRACE_MS && endedAt >= k.at);
  }
}

/** One HTTP exchange; never rejects: what happened is in the result. */
function exchange(port, { method = 'GET', path, agent, body, abortOnFirstChunk = false }) {
  return new Promise((resolve) => {
    const out = { startedAt: Date.now(), endedAt: 0, status: 0, backend: undefined, bytes: 0, text: '', error: undefined, timedOut: false, aborted: false };
    const finish = (error) => {
      if (out.endedAt) return;
      out.endedAt = Date.now();
      out.error = error;
      resolve(out);
    };
    const headers = { host: HOST };
    if (!agent) headers.connection = 'close';
    if (body) headers['content-length'] = String(body.length);
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: agent ?? false, headers });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      out.timedOut = true;
      req.destroy();
    });
    req.on('error', (error) => finish(error.code ?? error.message));
    req.on('response', (res) => {
      out.status = res.statusCode;
      out.backend = res.headers['x-switchyard-backend'];
      res.on('data', (chunk) => {
        out.bytes += chunk.length;
        if (out.text.length < KEEP_TEXT) out.text += chunk.toString('latin1', 0, KEEP_TEXT);
        if (abortOnFirstChunk && res.statusCode === 200 && !out.aborted) {
          out.aborted = true;
          req.destroy();
          finish();
        }
      });
      res.on('error', () => {}); // 'close' below says whether the body was complete
      res.on('close', () => finish(res.complete ? undefined : 'cut'));
    });
    req.end(body);
  });
}

/** The status of one GET / (0 when no answer came): is the route serving yet? */
export async function getStatus(port) {
  return (await exchange(port, { path: '/' })).status;
}

/** Which kind of request a worker sends, and what a correct answer is. */
const kinds = {
  keepalive: (port, agent) => exchange(port, { path: '/', agent }),
  close: (port) => exchange(port, { path: '/' }),
  download: async (port, agent) => {
    const out = await exchange(port, { path: '/1mb', agent });
    if (!out.error && out.status === 200 && out.bytes !== MIB) out.wrongBody = `${out.bytes} bytes instead of ${MIB}`;
    return out;
  },
  upload: async (port, agent) => {
    const body = randomBytes(between(UPLOAD_MIN_BYTES, UPLOAD_MAX_BYTES));
    const out = await exchange(port, { method: 'POST', path: '/upload', agent, body });
    if (!out.error && out.status === 200 && out.text !== String(body.length)) out.wrongBody = `the backend got ${out.text} bytes of ${body.length}`;
    out.upload = true;
    return out;
  },
  abort: (port, agent) => exchange(port, { path: '/drip', agent, abortOnFirstChunk: true }),
};

function firstLine(text) {
  return text.split('\n').slice(0, 2).join(' ').slice(0, 300);
}

/**
 * Sorts one HTTP outcome. Explained: a response cut mid-body because its
 * backend was killed while it streamed (nothing may be retried once bytes
 * reached the client), and an upload in flight at a kill (a POST whose body
 * had started is not retried, as nginx's proxy_next_upstream without
 * non_idempotent). Everything else that is not a correct answer is an error.
 */
function sortHttp(tally, kills, kind, out) {
  if (out.aborted) return void tally.aborted++;
  const seen = `${out.status || 'no response'}${out.error ? ` ${out.error}` : ''}${out.text ? `: ${firstLine(out.text)}` : ''}`;
  if (out.timedOut) return tally.problem(false, kind, `timeout after ${REQUEST_TIMEOUT_MS / 1000} s`, seen);
  if (!out.status) {
    if (out.upload && kills.inFlightAtKill(out)) return tally.problem(true, kind, 'upload in flight at a backend kill (not retryable)', seen);
    const cause = out.error === 'ECONNREFUSED' ? 'connection refused by the proxy' : `connection reset by the proxy (${out.error})`;
    return tally.problem(false, kind, cause, seen);
  }
  if (out.error === 'cut') {
    if (out.backend && kills.inFlightAtKill(out, out.backend)) return tally.problem(true, kind, 'response cut by a backend kill after bytes reached the client', seen);
    return tally.problem(false, kind, 'response cut mid-body', `${seen} (from ${out.backend ?? 'unknown backend'})`);
  }
  if (out.status === 502 && out.upload && kills.kills.some((k) => out.text.includes(k.url) && kills.inFlightAtKill(out, k.url))) {
    return tally.problem(true, kind, 'upload in flight at a backend kill (not retryable)', seen);
  }
  if (out.status >= 500) return tally.problem(false, kind, `${out.status} from the proxy`, seen);
  if (out.status !== 200) return tally.problem(false, kind, `status ${out.status}`, seen);
  if (out.wrongBody) return tally.problem(false, kind, 'wrong body', out.wrongBody);
  tally.success(kind);
}

async function httpWorker(port, agent, tally, kills, shouldRun, offset) {
  for (let i = offset; shouldRun(); i++) {
    const kind = MIX[i % MIX.length];
    sortHttp(tally, kills, kind, await kinds[kind](port, agent));
  }
}

/** One WebSocket: open, echo paced messages for a few seconds, close cleanly. */
function wsSession(port, tally, kills) {
  return new Promise((resolve) => {
    const session = { startedAt: Date.now(), endedAt: 0 };
    const lifetime = between(WS_MIN_MS, WS_MAX_MS);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: HOST }, handshakeTimeout: WS_HANDSHAKE_TIMEOUT_MS, perMessageDeflate: false });
    let backend;
    let opened = false;
    let closing = false;
    let sent = '';
    let problem;
    const fail = (cause, detail) => {
      problem ??= { cause, detail };
      ws.terminate();
    };
    const send = () => {
      sent = `echo ${randomBytes(8).toString('hex')}`;
      ws.send(sent);
    };
    ws.on('upgrade', (res) => (backend = res.headers['x-switchyard-backend']));
    ws.on('unexpected-response', (req, res) => fail(`WebSocket upgrade answered ${res.statusCode}`, `${res.statusCode} ${res.statusMessage}`));
    ws.on('open', () => {
      opened = true;
      setTimeout(() => {
        closing = true;
        ws.close(1000);
      }, lifetime);
      send();
    });
    ws.on('message', (data) => {
      if (String(data) !== sent) return fail('WebSocket echo mismatch', `sent ${sent}, got ${String(data).slice(0, 80)}`);
      tally.wsMessages++;
      if (!closing) setTimeout(() => !closing && ws.readyState === WebSocket.OPEN && send(), WS_PAUSE_MS);
    });
    ws.on('error', (error) => (problem ??= { cause: opened ? 'WebSocket cut' : 'WebSocket upgrade failed', detail: error.code ?? error.message }));
    ws.on('close', (code) => {
      session.endedAt = Date.now();
      if (!problem && !(closing && code === 1000)) problem = { cause: 'WebSocket cut', detail: `closed with ${code} before the client closed it` };
      if (!problem) tally.success('websocket');
      else if (opened && problem.cause === 'WebSocket cut' && backend && kills.inFlightAtKill(session, backend)) {
        tally.problem(true, 'websocket', 'WebSocket cut by a backend kill', `${problem.detail} (${backend})`);
      } else tally.problem(false, 'websocket', problem.cause, problem.detail);
      resolve();
    });
  });
}

/**
 * Runs the clients until `shouldRun()` turns false, then lets every
 * exchange in flight finish. Keep-alive sockets are closed at the end so
 * the proxy's descriptor count can settle.
 */
export async function runTraffic({ port, tally, kills, shouldRun }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_WORKERS });
  const workers = Array.from({ length: HTTP_WORKERS }, (_, i) => httpWorker(port, agent, tally, kills, shouldRun, i * 3));
  const sessions = Array.from({ length: WS_SESSIONS }, async () => {
    while (shouldRun()) await wsSession(port, tally, kills);
  });
  await Promise.all([...workers, ...sessions]);
  agent.destroy();
}
