import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface TestBackend {
  name: string;
  url: string;
  port: number;
  server: http.Server;
  /** Requests seen, in order. */
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

/** A real HTTP server on an ephemeral loopback port that answers with its name (or `handler`). */
export async function startBackend(
  name: string,
  handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  port = 0,
): Promise<TestBackend> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    if (handler) return handler(req, res);
    req.resume();
    req.on('end', () => res.end(name));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `startBackend` for a suite whose clean-ups (withCleanCore's list) close each backend after its test. */
export function backendsClosedBy(cleanups: (() => Promise<unknown>)[]) {
  return async (name: string, handler?: Parameters<typeof startBackend>[1]): Promise<TestBackend> => {
    const backend = await startBackend(name, handler);
    cleanups.push(() => backend.close());
    return backend;
  };
}

/** A backend that accepts, reads the request head, then resets the connection without answering. */
export async function resettingBackend(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      hits += 1;
      socket.resetAndDestroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
