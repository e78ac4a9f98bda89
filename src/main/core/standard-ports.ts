import { createServer } from 'node:net';
import type { Problem } from '../../shared/events';
import { SwitchyardError } from '../../shared/errors';
import { listenAll, type Server } from './listen';
import { portName, type PortName, type PortNaming } from './port-naming';
import { currentPortPrivileges, privilegedPortFix } from './privileged-ports';

// The useStandardPorts setting (issue 14): the plain listener on 80 and the
// HTTPS one on 443, so http://demo.localhost/ needs no port, as portless and
// localias users ask. It applies at start, never by rebinding a running
// core: the port is in connection.json (the CLI's way in), in the links of
// every open tab and in the service's unit, and a core that moved under them
// would break each of those mid-session; a restart re-reads all of them.

export const standardHttpPort = 80;
export const standardHttpsPort = 443;

export interface ListenerPorts {
  http: number;
  /** Without it there is no HTTPS listener. */
  https: number | undefined;
}

/** Which listeners' ports the user named (a flag, an environment variable): a named port wins over the setting. */
export interface NamedPorts {
  http: boolean;
  https: boolean;
}

/** The ports to ask for: 80 and 443 where the setting is on and the user named no other. */
export function wantedPorts(usual: ListenerPorts, useStandardPorts: boolean, named: NamedPorts): ListenerPorts {
  if (!useStandardPorts) return usual;
  return {
    http: named.http ? usual.http : standardHttpPort,
    https: usual.https === undefined || named.https ? usual.https : standardHttpsPort,
  };
}

/** A standard port that could not be taken, and the error that says why. */
export interface RefusedPort {
  port: number;
  name: PortName;
  error: SwitchyardError;
}

/** What the OS answers for a port the setting wants: a refusal (EACCES, ip_unprivileged_port_start) or another program holding it. */
const givesWay = new Set(['PERMISSION_DENIED', 'PORT_IN_USE']);

/**
 * Binds each standard port the setting asks for on every listen address for
 * a moment and lets it go: one the OS refuses, or another program holds,
 * gives way to the usual port, so the setting can never stop Switchyard
 * from starting. Probing first keeps the engine's start a single attempt
 * (a failed engine listen tears down its health checks and pools).
 */
export async function takeStandardPorts(
  addresses: readonly string[],
  usual: ListenerPorts,
  wanted: ListenerPorts,
  naming: PortNaming,
): Promise<{ ports: ListenerPorts; refused: RefusedPort[] }> {
  const refused: RefusedPort[] = [];
  const probe = async (port: number | undefined, usualPort: number | undefined, name: PortName): Promise<number | undefined> => {
    if (port === usualPort || port === undefined) return port;
    try {
      // A bare net.Server: nothing connects in this moment, so closing it is all there is to stop.
      const { servers } = await listenAll(() => createServer() as Server, addresses, port, name);
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      return port;
    } catch (error) {
      if (!(error instanceof SwitchyardError) || !givesWay.has(error.code)) throw error;
      refused.push({ port, name, error });
      return usualPort;
    }
  };
  const http = (await probe(wanted.http, usual.http, portName(naming, 'http')))!;
  const https = await probe(wanted.https, usual.https, portName(naming, 'https'));
  return { ports: { http, https }, refused };
}

const portWords = (ports: readonly number[]) => (ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.join(' and ')}`);

/**
 * The problem the UI's banner, `status` and problems.changed show while a
 * standard port gave way: which, where Switchyard listens instead, and the
 * one command that allows it (never running as root), for the copy button.
 */
export function standardPortsProblem(refused: readonly RefusedPort[], bound: ListenerPorts): Problem | undefined {
  if (refused.length === 0) return undefined;
  const instead = refused.map((r) => (r.name.listener === 'https' ? bound.https : bound.http)).filter((port): port is number => port !== undefined);
  const denied = refused.filter((r) => r.error.code === 'PERMISSION_DENIED');
  // On Linux the lowest refused port's sysctl allows both; elsewhere it is the first one's line.
  const fix = denied.length === 0 ? undefined : privilegedPortFix(Math.min(...denied.map((r) => r.port)), denied[0]!.name.listener, currentPortPrivileges());
  return {
    code: 'STANDARD_PORTS_REFUSED',
    message: `Standard ports are on, but ${portWords(refused.map((r) => r.port))} could not be taken, so Switchyard listens on ${portWords(instead)} instead. ${refused.map((r) => r.error.message).join(' ')}`,
    ...(fix === undefined ? {} : { fix }),
  };
}
