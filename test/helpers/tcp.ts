import net, { type AddressInfo } from 'node:net';
import type { Core } from '../../src/main/core/core';
import type { Route } from '../../src/shared/model';
import { freePort, must } from './core';

export interface TcpBackend {
  name: string;
  url: string;
  port: number;
  /** Connections open now. */
  readonly open: Set<net.Socket>;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/**
 * A TCP server on loopback. By default it greets each connection with its
 * name and a newline, then echoes what it reads; `onConnection` replaces that.
 */
export async function tcpBackend(name: string, onConnection?: (socket: net.Socket) => void, options: net.ServerOpts = {}): Promise<TcpBackend> {
  const open = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer(options, (socket) => {
    accepted += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    if (onConnection) return onConnection(socket);
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    url: `tcp://127.0.0.1:${port}`,
    port,
    open,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP route on a free loopback port, health checks off unless `settings` says otherwise. */
export async function tcpRoute(core: Core, backends: string[], settings: Record<string, unknown> = {}, algorithm?: string): Promise<Route & { port: number }> {
  const port = await freePort();
  const route = await must(
    core.run('routes.create', { host: `tcp://127.0.0.1:${port}`, algorithm, settings: { healthCheck: 'off', ...settings }, backends: backends.map((url) => ({ url })) }),
  );
  return { ...route, port };
}

/** A client connection with everything it received, and how it ended. */
export interface TcpClient {
  socket: net.Socket;
  received(): string;
  /** Resolves with what was received once `text` has arrived (or rejects when the socket closes first). */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  /** Resolves when the socket closed: whether it was reset or errored, and what arrived. */
  closed: Promise<{ error: string | undefined; received: string }>;
}

export async function tcpConnect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<TcpClient> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: options.allowHalfOpen ?? false });
  let data = '';
  let error: string | undefined;
  const listeners = new Set<() => void>();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
    for (const listener of listeners) listener();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  const closed = new Promise<{ error: string | undefined; received: string }>((resolve) =>
    socket.once('close', () => {
      resolve({ error, received: data });
      for (const listener of listeners) listener();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => data,
    closed,
    waitFor: (text, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (data.includes(text)) {
            cleanup();
            resolve(data);
          } else if (socket.destroyed) {
            cleanup();
            reject(new Error(`closed (${error ?? 'no error'}) before "${text}" arrived; received ${JSON.stringify(data)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`"${text}" did not arrive within ${timeoutMs} ms; received ${JSON.stringify(data)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Connects, reads the greeting line, and returns the backend's name with the open client. */
export async function greeted(port: number): Promise<{ name: string; client: TcpClient }> {
  const client = await tcpConnect(port);
  const data = await client.waitFor('\n');
  return { name: data.split('\n')[0]!, client };
}
