// The backends every target proxies. A proxy bench measures the proxy only if
// the backend costs far less than any proxy: the Node backend (bench/backend.mjs)
// costs about as much CPU per request as a proxy and shares core 0 with wrk,
// so it caps every target and flatters the slower proxies next to nginx
// (issue 11). HTTP cases therefore use a separate nginx that answers from
// memory (`return 200`) or a file (sendfile); only the WebSocket echo, which
// nginx cannot do by itself, keeps the Node backend.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOwnNginx } from './peers.mjs';
import { startChild, waitForOutput } from './procs.mjs';

const benchDir = new URL('.', import.meta.url).pathname;
const ONE_MIB = 1024 * 1024;
// Every proxy keeps its pooled upstream connections for the whole run, so the
// backend never closes them first (nginx's defaults are 1000 requests / 75 s).
const KEEPALIVE_REQUESTS = 1_000_000;
const KEEPALIVE_TIMEOUT_S = 120;

/** What each backend is, for the Method section of RESULTS.md. */
export const backendDescriptions = {
  nginx:
    'a separate nginx (1 worker, keep-alive, access log off): `/` is `return 200 "ok"`, `/1mb` a 1 MiB file from its temp dir (sendfile)',
  node: 'bench/backend.mjs (node:http and `ws`, keep-alive): `/ws` echoes every message',
};

/** The cheap backend: nginx with its own prefix and config in a temp dir, 1 worker on `core`. */
function startNginxBackend({ core }) {
  return startOwnNginx('backend-nginx', { core }, (dir, port) => {
    writeFileSync(join(dir, '1mb'), Buffer.alloc(ONE_MIB, 'x'));
    return `  default_type text/plain;
  sendfile on;
  keepalive_requests ${KEEPALIVE_REQUESTS};
  keepalive_timeout ${KEEPALIVE_TIMEOUT_S}s;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok"; }
    location = /1mb { root ${dir}; }
  }`;
  });
}

/** The Node backend (bench/backend.mjs) on `core`, for what nginx cannot answer itself. */
async function startNodeBackend({ core }) {
  const child = startChild('backend-node', [process.execPath, join(benchDir, 'backend.mjs'), '0'], { core });
  const port = Number((await waitForOutput(child, /ready (\d+)/))[1]);
  return { port, child };
}

const starters = { nginx: startNginxBackend, node: startNodeBackend };

/** Starts backend `name` ('nginx' or 'node'); returns { name, port, child }. */
export async function startBackend(name, { core }) {
  const { port, child } = await starters[name]({ core });
  return { name, port, child };
}
