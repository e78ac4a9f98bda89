import http from 'node:http';
import https from 'node:https';
import { dial, type UpstreamOrigin } from '../engine/upstream/dialer';
import { udpProbe } from './udp-probe';

export interface ProbeSpec extends UpstreamOrigin {
  type: 'tcp' | 'http' | 'udp';
  /** Host header for HTTP checks. */
  hostport: string;
  method: string;
  path: string;
  /** Accepted statuses, e.g. `2xx,3xx` or `200,204`. */
  statuses: string;
  /** The body must contain this (empty: not checked). */
  bodyContains: string;
  /** UDP checks: the probe datagram's text (absent: empty). */
  send?: string;
  /** UDP checks: the reply must contain this (empty or absent: no reply needed, see udp-probe.ts). */
  expect?: string;
  timeoutMs: number;
  /** For https backends: refuse a certificate this machine does not trust. */
  verifyTls: boolean;
}

export interface ProbeResult {
  ok: boolean;
  /**
   * What was seen, for the UI: "connected", "200", "connect ECONNREFUSED 127.0.0.1:3001".
   * Never the latency (that is `latencyMs`): a detail that changes with every
   * check would change the backend's reason, and so push its status, every check (issue 11).
   */
  detail: string;
  latencyMs: number;
}

// Enough of a body to find a marker in; health pages are small.
const maxBody = 64 * 1024;

/** Whether `status` is in a list like `2xx,3xx,404`. */
export function statusAccepted(status: number, list: string): boolean {
  return list.split(',').some((part) => {
    const item = part.trim().toLowerCase();
    if (/^[1-5]xx$/.test(item)) return Math.floor(status / 100) === Number(item[0]);
    return Number(item) === status;
  });
}

function describe(error: NodeJS.ErrnoException, spec: ProbeSpec, phase: string): string {
  if (error.code === 'PROBE_TIMEOUT') return `no answer within ${spec.timeoutMs} ms`;
  return `${phase} ${error.code ?? error.message} ${spec.hostname}:${spec.port}`;
}

/** One active health check on its own connection; never throws, always settles within the timeout. */
export function probe(spec: ProbeSpec): Promise<ProbeResult> {
  if (spec.type === 'udp') return udpProbe(spec);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean, detail: string, cleanup: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      resolve({ ok, detail, latencyMs: elapsed() });
    };
    let cleanup = () => {};
    const timer = setTimeout(() => finish(false, describe(Object.assign(new Error(), { code: 'PROBE_TIMEOUT' }), spec, ''), cleanup), spec.timeoutMs);

    if (spec.type === 'tcp') {
      // A TCP check only connects: no TLS handshake, even for an https backend.
      const { socket } = dial({ ...spec, protocol: 'http:' }, { connectTimeoutMs: spec.timeoutMs, verifyTls: spec.verifyTls });
      cleanup = () => socket.destroy();
      socket.once('connect', () => finish(true, 'connected', cleanup));
      socket.once('error', (error) => finish(false, describe(error, spec, 'connect'), cleanup));
      return;
    }

    let req: http.ClientRequest;
    try {
      req = (spec.protocol === 'https:' ? https : http).request({
        method: spec.method,
        path: spec.path,
        headers: { host: spec.hostport, 'user-agent': 'Switchyard-Health-Check', connection: 'close' },
        // The engine's dialer opens the connection (SNI, verification) as it does for traffic.
        createConnection: () => dial(spec, { connectTimeoutMs: spec.timeoutMs, verifyTls: spec.verifyTls }).socket,
      });
    } catch (error) {
      // A path or header Node refuses to send (ERR_UNESCAPED_CHARACTERS) is a
      // failed check with its reason, never an exception out of the checker.
      finish(false, `the check could not be sent: ${(error as Error).message}`, cleanup);
      return;
    }
    cleanup = () => req.destroy();
    req.once('error', (error) => finish(false, describe(error, spec, req.reusedSocket ? 'request' : 'connect'), cleanup));
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      if (!statusAccepted(status, spec.statuses)) {
        finish(false, `status ${status} (expected ${spec.statuses})`, cleanup);
        return;
      }
      if (!spec.bodyContains || spec.method === 'HEAD') {
        finish(true, String(status), cleanup);
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < maxBody) body += chunk;
        if (body.includes(spec.bodyContains)) finish(true, `${status} with "${spec.bodyContains}"`, cleanup);
      });
      res.once('end', () => finish(false, `${status} but the body lacks "${spec.bodyContains}"`, cleanup));
      res.once('error', (error) => finish(false, describe(error, spec, 'response'), cleanup));
    });
    req.end();
  });
}
