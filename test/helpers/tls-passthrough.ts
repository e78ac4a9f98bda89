import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Core } from '../../src/main/core/core';
import type { Route } from '../../src/shared/model';
import { freePort, must, tempDir } from './core';

// TLS backends with certificates of their own behind TLS passthrough routes,
// and clients that trust only the backend they mean to reach: a handshake
// that verifies proves the bytes went through Switchyard untouched.

const clientTimeoutMs = 5_000;

export interface Credentials {
  key: string;
  cert: string;
  /** SHA-256 fingerprint, as the client sees it. */
  fingerprint: string;
}

/** A self-signed P-256 certificate for `names` (openssl, as a developer makes one for a dev server). */
export function selfSigned(...names: string[]): Credentials {
  const dir = tempDir('switchyard-passthrough-');
  try {
    const key = join(dir.path, 'key.pem');
    const cert = join(dir.path, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}`,
      '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    const pem = readFileSync(cert, 'utf8');
    return { key: readFileSync(key, 'utf8'), cert: pem, fingerprint: new X509Certificate(pem).fingerprint256 };
  } finally {
    dir.remove();
  }
}

export interface TlsBackend {
  name: string;
  url: string;
  port: number;
  /** TLS connections whose handshake completed. */
  handshakes(): number;
  close(): Promise<void>;
}

/** A TLS server on loopback that greets each connection with its name and a newline, then echoes. */
export async function tlsBackend(name: string, credentials: Credentials, host = '127.0.0.1'): Promise<TlsBackend> {
  const open = new Set<net.Socket>();
  let handshakes = 0;
  const server = tls.createServer({ key: credentials.key, cert: credentials.cert }, (socket) => {
    handshakes += 1;
    socket.on('error', () => {});
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    url: `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    handshakes: () => handshakes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TLS route for `serverName` on `port` (a free one when not given), health checks off unless `settings` says otherwise. */
export async function tlsRoute(core: Core, serverName: string, backends: string[], settings: Record<string, unknown> = {}, port?: number): Promise<Route & { port: number }> {
  const listenPort = port ?? (await freePort());
  const route = await must(
    core.run('routes.create', { host: `tls://127.0.0.1:${listenPort}/${serverName}`, settings: { healthCheck: 'off', ...settings }, backends: backends.map((url) => ({ url })) }),
  );
  return { ...route, port: listenPort };
}

export type Greeting = { ok: true; greeting: string; fingerprint: string } | { ok: false; code: string };

/**
 * A TLS client that trusts only `trusted` and checks the name: the backend's
 * greeting line and the fingerprint of the certificate it presented, or why
 * the connection failed (ECONNRESET, a verification code…). Without
 * `servername` it sends no SNI (Node sends none for an IP address).
 */
export function tlsGreeting(port: number, servername: string | undefined, trusted: Credentials, connect?: () => net.Socket): Promise<Greeting> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      ...(connect ? { socket: connect() } : { host: '127.0.0.1', port }),
      ca: trusted.cert,
      ...(servername === undefined ? {} : { servername }),
      // With no SNI, the name checked is the certificate's own (the client meant whatever the default route serves).
      checkServerIdentity: servername === undefined ? () => undefined : tls.checkServerIdentity,
    });
    let data = '';
    const timer = setTimeout(() => socket.destroy(new Error('no greeting in time')), clientTimeoutMs);
    const done = (result: Greeting) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\n')) done({ ok: true, greeting: data.slice(0, data.indexOf('\n')), fingerprint: socket.getPeerX509Certificate()?.fingerprint256 ?? '' });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, code: error.code ?? error.message }));
    socket.on('close', () => done({ ok: false, code: 'CLOSED' }));
  });
}

/**
 * A loopback hop in front of `port` that passes the client's bytes on one at
 * a time, each in its own TCP segment a millisecond apart, and the answers
 * back as they come: a hello that arrives as slowly as a bad network sends it.
 */
export async function oneByteAtATime(port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port, noDelay: true });
    sockets.add(client).add(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      for (const byte of chunk) {
        queue = queue.then(() => new Promise<void>((resolve) => setTimeout(() => {
          if (!upstream.destroyed) upstream.write(Buffer.from([byte]));
          resolve();
        }, 1)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A plain TCP server that keeps every byte each connection sent. */
export async function recordingBackend(): Promise<{ url: string; connections: Buffer[][]; received(index: number): Buffer; close(): Promise<void> }> {
  const connections: Buffer[][] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const chunks: Buffer[] = [];
    connections.push(chunks);
    open.add(socket);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    received: (index) => Buffer.concat(connections[index] ?? []),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
