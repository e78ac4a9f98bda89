// The one backend every target proxies: `node bench/backend.mjs PORT`.
//   GET /     -> a small text body (keep-alive)
//   GET /1mb  -> a 1 MiB body
//   POST /upload -> reads the whole body, answers its length in bytes (soak)
//   GET /drip -> a body sent in small chunks over about a second, so a client
//                can leave mid-response (soak)
//   WS  /ws   -> echoes every message back (ws package)
// Prints "ready PORT" once listening; exits when its parent goes away.
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { listenAsChild } from './child.mjs';

const port = Number(process.argv[2] ?? 0);
const small = Buffer.from('hello from the bench backend\n');
const big = Buffer.alloc(1024 * 1024, 'x');
const DRIP_CHUNKS = 20;
const DRIP_INTERVAL_MS = 50;
const dripChunk = Buffer.alloc(1024, 'd');

function upload(req, res) {
  let bytes = 0;
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => {
    const body = String(bytes);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
}

function drip(res) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': DRIP_CHUNKS * dripChunk.length });
  let sent = 0;
  const timer = setInterval(() => {
    res.write(dripChunk);
    if (++sent === DRIP_CHUNKS) {
      clearInterval(timer);
      res.end();
    }
  }, DRIP_INTERVAL_MS);
  res.once('close', () => clearInterval(timer));
}

const server = http.createServer((req, res) => {
  if (req.url === '/upload') return upload(req, res);
  if (req.url === '/drip') return drip(res);
  const body = req.url === '/1mb' ? big : small;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
// Longer than any proxy's pooled-connection idle time, so no proxy races a
// backend that is closing an idle keep-alive socket.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  if (req.url !== '/ws') return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
});

listenAsChild(server, port);
