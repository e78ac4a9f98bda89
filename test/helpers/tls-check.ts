import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';

// A TLS server as a user's dev server would run one with Switchyard's files,
// and a client that trusts only the root Switchyard exports.

const HANDSHAKE_TIMEOUT_MS = 5_000;

export interface TlsServer {
  port: number;
  close(): Promise<void>;
}

/** A loopback TLS server that answers every connection with "ok" and closes it. */
export async function serveTls(credentials: { key: string; cert: string }): Promise<TlsServer> {
  const server = createServer(credentials, (socket) => socket.end('ok'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Handshake = { ok: true; body: string } | { ok: false; code: string; message: string };

/** Connects trusting only `rootPem`, verifying chain and name; the server's answer or the client's reason to refuse. */
export function handshake(port: number, rootPem: string, servername?: string): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: rootPem, ...(servername === undefined ? {} : { servername }), timeout: HANDSHAKE_TIMEOUT_MS });
    let body = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (body += chunk));
    socket.on('end', () => resolve({ ok: true, body }));
    socket.on('timeout', () => socket.destroy(new Error('handshake timed out')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? '', message: error.message }));
  });
}
