// WebSocket echo load: `node bench/ws-echo.mjs URL HOST CONNECTIONS DURATION_MS`.
// Opens CONNECTIONS sockets, each sends a small message and sends the next one
// when the echo comes back, for DURATION_MS. Prints one line:
//   WSJSON {"messages":N,"seconds":S,"errors":E}  or  WSJSON {"error":"..."}
import WebSocket from 'ws';

const [url, host, connArg, durationArg] = process.argv.slice(2);
const connections = Number(connArg);
const durationMs = Number(durationArg);
const payload = Buffer.from('ping from the switchyard bench..'); // 32 bytes

function finish(result) {
  process.stdout.write(`WSJSON ${JSON.stringify(result)}\n`);
  process.exit(0);
}
setTimeout(() => finish({ error: `timed out after ${durationMs + 5_000} ms` }), durationMs + 5_000).unref();

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { host }, handshakeTimeout: 3_000, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (req, res) => reject(new Error(`handshake answered HTTP ${res.statusCode} instead of 101`)));
    ws.once('error', reject);
  });
}

let sockets;
try {
  sockets = await Promise.all(Array.from({ length: connections }, open));
} catch (error) {
  finish({ error: `WebSocket handshake failed: ${error.message}` });
}

let messages = 0;
let errors = 0;
let running = true;
const started = performance.now();
for (const ws of sockets) {
  ws.on('message', () => {
    messages++;
    if (running) ws.send(payload);
  });
  ws.on('error', () => errors++);
  ws.on('close', () => {
    if (running) errors++;
  });
  ws.send(payload);
}
setTimeout(() => {
  running = false;
  const seconds = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.terminate();
  finish({ messages, seconds, errors });
}, durationMs);
