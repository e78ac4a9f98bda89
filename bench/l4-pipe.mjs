// The bare Node pipe of the Layer 4 bench: each client connection piped to a
// connection of its own to the target, the issue's "five-line Node `net`
// pipe". No balancing, counting or timeouts: the floor under any TCP relay on
// Node's `net`, which Switchyard's per-byte cost is set against.
//   node bench/l4-pipe.mjs LISTEN_PORT TARGET_PORT
import net from 'node:net';
import { listenAsChild } from './child.mjs';

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
const server = net.createServer((client) => {
  const upstream = net.connect(targetPort, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
listenAsChild(server, listenPort);
