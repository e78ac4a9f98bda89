// Full TLS handshakes as fast as a peer takes them: `node bench/tls-handshakes.mjs
// PORT SERVERNAME CONNECTIONS DURATION_MS`. Each of CONNECTIONS lanes connects
// to 127.0.0.1:PORT with SNI SERVERNAME and ALPN http/1.1, sends one GET /
// with Connection: close, reads the answer to the end, and connects again.
// No session is ever offered again (tls.connect without `session`), so every
// handshake is a full one: wrk reuses the previous connection's session on
// reconnect (about half of its "new" connections were resumptions, checked
// against a server counting isSessionReused()). The chain is not verified:
// that is the client's cost, and bench/tls-peers.mjs checked each peer's leaf.
// Prints one line: HSJSON {"requests","seconds","resumed","non2xx","errors"}.
import tls from 'node:tls';

const [port, servername, connections, durationMs] = process.argv.slice(2).map((a, i) => (i === 1 ? a : Number(a)));
const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
const SOCKET_TIMEOUT_MS = 5_000;
const stats = { requests: 0, resumed: 0, non2xx: 0, errors: 0 };
const started = performance.now();
const deadline = started + durationMs;

/** One connection, one request; resolves when the answer ended (or failed). */
function once() {
  return new Promise((resolve) => {
    const chunks = [];
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false });
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => socket.destroy(new Error('timed out')));
    socket.once('secureConnect', () => {
      if (socket.isSessionReused()) stats.resumed += 1;
      socket.write(request);
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('end', () => {
      const status = Buffer.concat(chunks).toString('latin1', 9, 12);
      if (status === '200') stats.requests += 1;
      else stats.non2xx += 1;
      socket.destroy();
      resolve();
    });
    socket.once('error', () => {
      stats.errors += 1;
      resolve();
    });
  });
}

async function lane() {
  while (performance.now() < deadline) await once();
}

await Promise.all(Array.from({ length: connections }, () => lane()));
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`HSJSON ${JSON.stringify({ ...stats, seconds })}\n`);
