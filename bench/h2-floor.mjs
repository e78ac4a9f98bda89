// Node's floor for h2 (bench/tls.mjs's h2 case): a bare node:http2 secure
// server with the bench leaf that answers every stream with a fixed 200 "ok"
// itself, nothing proxied, so its CPU per request is what Node's TLS and
// node:http2 (a session, a stream object and header objects per request)
// cost with nothing of Switchyard's.
//   node bench/h2-floor.mjs PORT KEY_PATH CHAIN_PATH
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';

const [port, keyPath, chainPath] = process.argv.slice(2);
const server = http2.createSecureServer({ key: readFileSync(keyPath), cert: readFileSync(chainPath), allowHTTP1: true });
server.on('stream', (stream) => {
  stream.on('error', () => {});
  stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': 2 });
  stream.end('ok');
});
server.on('sessionError', () => {});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`h2 floor listening on ${port}\n`));
