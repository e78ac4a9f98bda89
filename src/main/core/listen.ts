import type { Server as NetServer } from 'node:net';

/** node:http's server and the data plane's own both stop this way. */
export type Server = NetServer & { closeIdleConnections(): void; closeAllConnections(): void };
import { listenError } from './os-errors';

export interface BoundAddress {
  address: string;
  port: number;
}

function listenOnce(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(error);
    server.once('error', onError);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/**
 * Listens on each loopback address with one port. `*.localhost` resolves to
 * both 127.0.0.1 and ::1 in browsers and curl, so serving both avoids a
 * refused first attempt; the first address is required, later ones are
 * skipped when the machine lacks them (no IPv6).
 */
export async function listenAll<S extends Server>(
  createServer: () => S,
  addresses: readonly string[],
  port: number,
  flag: string,
): Promise<{ servers: S[]; bound: BoundAddress[] }> {
  const servers: S[] = [];
  const bound: BoundAddress[] = [];
  let actualPort = port;
  for (const [index, address] of addresses.entries()) {
    const server = createServer();
    try {
      actualPort = await listenOnce(server, address, actualPort);
      servers.push(server);
      bound.push({ address, port: actualPort });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (index > 0 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EADDRINUSE')) continue;
      await Promise.all(servers.map((s) => closeServer(s, 0)));
      throw listenError(error as NodeJS.ErrnoException, address, actualPort, flag);
    }
  }
  return { servers, bound };
}

/** Stops accepting, lets in-flight requests finish for `graceMs`, then cuts what is left. */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
