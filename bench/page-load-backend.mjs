// The page-load bench's backend, shaped like a Vite dev server: `node
// bench/page-load-backend.mjs PORT MODULES DELAY_MS`.
//   GET /            -> index.html with one <script type="module" src="/m0.js">
//   GET /mN.js       -> module N: imports modules FANOUT*N+1 .. FANOUT*N+FANOUT
//                       (those below MODULES), a heap-shaped tree MODULES big,
//                       so the browser discovers the graph level by level as
//                       it does a dev server's; each module counts itself in
//                       globalThis.__modules and carries some code-like text
// Every answer waits DELAY_MS first, the per-request work of a dev server
// (Vite transforms each module on request). No caching headers: every run
// fetches everything. Prints "ready PORT"; exits when its parent goes away.
import http from 'node:http';
import { listenAsChild } from './child.mjs';

export const FANOUT = 5;
/** About the size of a small component after a dev server's transform. */
const MODULE_PADDING_BYTES = 1_024;

const [port, modules, delayMs] = process.argv.slice(2).map(Number);
const padding = `// ${'x'.repeat(MODULE_PADDING_BYTES)}\n`;
const indexHtml = Buffer.from(`<!doctype html>
<html><head><meta charset="utf-8"><title>${modules} modules</title>
<script type="module" src="/m0.js"></script></head>
<body><div id="app"></div></body></html>
`);

function moduleSource(n) {
  const children = [];
  for (let c = FANOUT * n + 1; c <= FANOUT * n + FANOUT && c < modules; c++) children.push(`import './m${c}.js';`);
  return Buffer.from(`${children.join('\n')}\nglobalThis.__modules = (globalThis.__modules ?? 0) + 1;\nexport const id = ${n};\n${padding}`);
}
const sources = Array.from({ length: modules }, (_, n) => moduleSource(n));

function answer(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(body);
}

const server = http.createServer((req, res) => {
  setTimeout(() => {
    const match = /^\/m(\d+)\.js$/.exec(req.url);
    if (req.url === '/') answer(res, 200, 'text/html; charset=utf-8', indexHtml);
    else if (match && Number(match[1]) < modules) answer(res, 200, 'text/javascript', sources[Number(match[1])]);
    else answer(res, 404, 'text/plain', Buffer.from('not found\n'));
  }, delayMs);
});
server.keepAliveTimeout = 60_000;
listenAsChild(server, port);
