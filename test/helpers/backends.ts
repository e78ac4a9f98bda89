import http from 'node:http';
import type { AddressInfo } from 'node:net';

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
