// The floor of any HTTPS proxy written on Node (bench/tls-ab.mjs --pipe):
// tls.createServer with the bench leaf, each connection piped to a plain
// connection of its own to the backend, bytes unread. TLS termination and
// Node's sockets and streams, and nothing a proxy does per request.
//   node bench/tls-pipe.mjs PORT KEY_PATH CHAIN_PATH BACKEND_PORT
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { listenAsChild } from './child.mjs';

const [port, keyPath, chainPath, backendPort] = process.argv.slice(2);
const server = tls.createServer({ key: readFileSync(keyPath), cert: readFileSync(chainPath), ALPNProtocols: ['http/1.1'], noDelay: true }, (client) => {
  const upstream = net.connect(Number(backendPort), '127.0.0.1');
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.on('tlsClientError', () => {});
listenAsChild(server, Number(port));
