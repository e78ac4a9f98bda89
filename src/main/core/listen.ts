import type { Server as NetServer } from 'node:net';

/** node:http's server and the data plane's own both stop this way. */
export type Server = NetServer & { closeIdleConnections(): void; closeAllConnections(): void };
import { listenError } from './os-errors';
import type { PortName } from './port-naming';
import { refuseUnprivilegedPort } from './privileged-ports';

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

/** No such address on this machine (no IPv6): that address is left out. */
const missingAddress = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);
/** Port 0 picks a free port on the first address; it may be taken on a later one, so pick again, a few times. */
const ephemeralPortAttempts = 3;

/** IPv6 literals bracketed, as users type them in URLs and as `[::1]` appears in messages. */
const displayAddress = (address: string) => (address.includes(':') ? `[${address}]` : address);

class PortTakenOnLaterAddress extends Error {}

/**
 * Listens on each loopback address with one port. `*.localhost` resolves to
 * both 127.0.0.1 and ::1 in browsers and curl, so serving both avoids a
 * refused first attempt. Every address is required, except one the machine
 * lacks (no IPv6): another program on [::1] with our port would otherwise
 * get part of the traffic for `*.localhost` without anyone noticing, so it
 * stops the start like a taken 127.0.0.1 does (nginx likewise fails on any
 * listen address it cannot bind).
 */
export async function listenAll<S extends Server>(
  createServer: () => S,
  addresses: readonly string[],
  port: number,
  name: PortName,
): Promise<{ servers: S[]; bound: BoundAddress[] }> {
  refuseUnprivilegedPort(port, name);
  for (let attempt = 1; ; attempt++) {
    try {
      return await listenEach(createServer, addresses, port, name, port === 0 && attempt < ephemeralPortAttempts);
    } catch (error) {
      if (!(error instanceof PortTakenOnLaterAddress)) throw error;
    }
  }
}

async function listenEach<S extends Server>(
  createServer: () => S,
  addresses: readonly string[],
  port: number,
  name: PortName,
  mayPickAgain: boolean,
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
      if (index > 0 && code !== undefined && missingAddress.has(code)) continue;
      await Promise.all(servers.map((s) => closeServer(s, 0)));
      if (index > 0 && code === 'EADDRINUSE' && mayPickAgain) throw new PortTakenOnLaterAddress();
      throw listenError(error as NodeJS.ErrnoException, displayAddress(address), actualPort, name);
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
