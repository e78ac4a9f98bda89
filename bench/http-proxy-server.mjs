// The node http-proxy peer: `node bench/http-proxy-server.mjs PORT BACKEND_PORT`.
// Keep-alive agent to the backend, WebSocket upgrades proxied too.
// Prints "ready PORT" once listening; exits when its parent goes away.
import http from 'node:http';
import httpProxy from 'http-proxy';
import { listenAsChild } from './child.mjs';

const [port, backendPort] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${backendPort}`, agent });

proxy.on('error', (error, req, res) => {
  // `res` is a ServerResponse for HTTP and a raw socket for WebSocket.
  if (typeof res.writeHead === 'function' && !res.headersSent) {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`bad gateway: ${error.code ?? error.message}\n`);
  } else {
    res.destroy();
  }
});

const server = http.createServer((req, res) => proxy.web(req, res));
server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head));
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
listenAsChild(server, port);
