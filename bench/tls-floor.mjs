// Node's floor for a new HTTPS connection (bench/tls-ab.mjs): a bare
// tls.createServer with the bench leaf that answers every connection's first
// request head with a fixed HTTP/1.1 200 and closes, so its CPU per
// connection is what Node's TLSSocket, the handshake and one request cost
// with nothing of Switchyard's (no proxying either).
//   node bench/tls-floor.mjs PORT KEY_PATH CHAIN_PATH [OPTIONS_JSON]
// OPTIONS_JSON is merged into tls.createServer's options (ecdhCurve,
// secureOptions ...), for trying Node's knobs on the floor; its `sni: true`
// adds an SNICallback answering a context made once (the path Switchyard's
// listener takes: Node then runs its certificate callback per handshake).
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [port, keyPath, chainPath, extra] = process.argv.slice(2);
const { sni, ...knobs } = JSON.parse(extra ?? '{}');
const credentials = { key: readFileSync(keyPath), cert: readFileSync(chainPath) };
const context = tls.createSecureContext(credentials);
const answer = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
const endOfHead = Buffer.from('\r\n\r\n');
const server = tls.createServer(
  { ...credentials, ALPNProtocols: ['h2', 'http/1.1'], noDelay: true, ...(sni ? { SNICallback: (_name, done) => done(null, context) } : {}), ...knobs },
  (socket) => {
    let head = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      if (head.indexOf(endOfHead) >= 0) socket.end(answer);
    });
    socket.on('error', () => {});
  },
);
server.on('tlsClientError', () => {});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`floor listening on ${port}\n`));
