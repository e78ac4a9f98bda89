import { readFileSync } from 'node:fs';
import { SwitchyardError } from '../../shared/errors';
import { portField, type ListenerKind, type PortName } from './port-naming';

// Ports 80 and 443 without a port in the URL (http://demo.localhost/), as
// portless and localias users ask, where the OS lets an ordinary user take
// them, and where it does not, the one line that allows it. Never by
// running as root: the app holds a CA key and runs users' health checks.

/** Linux's lowest port an ordinary user may bind (net.ipv4.ip_unprivileged_port_start); the kernel's default is 1024. */
const unprivilegedPortFile = '/proc/sys/net/ipv4/ip_unprivileged_port_start';
const classicLimit = 1024;
/** CAP_NET_BIND_SERVICE's bit in /proc/self/status CapEff (linux/capability.h): with it any port may be bound. */
const netBindServiceBit = 10n;
/** Where pf forwards a low port on macOS: the ports Switchyard listens on by default (core.ts defaultHttpPort, defaultHttpsPort; not imported, core imports this). */
const forwardTo: Partial<Record<ListenerKind, number>> = { https: 7443 };
const forwardToHttp = 7800;

export interface PortPrivileges {
  platform: NodeJS.Platform;
  /** The process's user id; 0 is root. */
  uid: number | undefined;
  /** Linux: the lowest port an ordinary user may bind; undefined where unknown. */
  unprivilegedPortStart: number | undefined;
  /** Linux: whether the process has CAP_NET_BIND_SERVICE (node given it with setcap). */
  canBindAnyPort: boolean;
}

function readNumber(file: string): number | undefined {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function hasNetBindService(): boolean {
  try {
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return capEff !== undefined && ((BigInt(`0x${capEff}`) >> netBindServiceBit) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** What this process may bind, read from the system. */
export function currentPortPrivileges(): PortPrivileges {
  const linux = process.platform === 'linux';
  return {
    platform: process.platform,
    uid: process.getuid?.(),
    unprivilegedPortStart: linux ? readNumber(unprivilegedPortFile) : undefined,
    canBindAnyPort: linux && hasNetBindService(),
  };
}

/** The one command that lets an ordinary user have a refused low port, per OS (the UI's copy button copies it). */
export function privilegedPortFix(port: number, listener: ListenerKind, privileges: Pick<PortPrivileges, 'platform'>): string {
  if (privileges.platform === 'darwin') {
    const target = forwardTo[listener] ?? forwardToHttp;
    return `echo "rdr pass on lo0 inet proto tcp from any to 127.0.0.1 port ${port} -> 127.0.0.1 port ${target}" | sudo pfctl -ef -`;
  }
  if (privileges.platform === 'win32') return 'netsh interface ipv4 show excludedportrange protocol=tcp';
  return `sudo sysctl -w net.ipv4.ip_unprivileged_port_start=${port}`;
}

/** The one-line fix for a refused low port, per OS, and why. */
export function privilegedPortAdvice(port: number, name: PortName, privileges: Pick<PortPrivileges, 'platform' | 'unprivilegedPortStart'>): string {
  const instead = `Or choose a port from ${privileges.unprivilegedPortStart ?? classicLimit} up with ${name.setting}. Do not run Switchyard as root.`;
  if (privileges.platform === 'darwin') {
    // pf forwards the low port to Switchyard's own, as puma-dev and pow do: no root process listens.
    return `macOS refused port ${port} to an ordinary user. Forward it to Switchyard's default port instead: ${privilegedPortFix(port, name.listener, privileges)} . ${instead}`;
  }
  if (privileges.platform === 'win32') {
    // Windows has no privileged ports: a refusal means the port is reserved (Hyper-V, WinNAT) or taken by http.sys.
    return `Windows refused port ${port}: it is reserved or held by the system's HTTP service. See which ranges are reserved with: ${privilegedPortFix(port, name.listener, privileges)} . ${instead}`;
  }
  const start = privileges.unprivilegedPortStart ?? classicLimit;
  return `Linux lets ordinary users listen only on ports from ${start} up (net.ipv4.ip_unprivileged_port_start), so port ${port} is refused. Allow it with: ${privilegedPortFix(port, name.listener, privileges)} ; keep it after a reboot with: echo 'net.ipv4.ip_unprivileged_port_start=${port}' | sudo tee /etc/sysctl.d/50-switchyard.conf . ${instead}`;
}

/** The error for a port the OS refused (EACCES, EPERM). */
export function privilegedPortError(port: number, name: PortName, privileges: PortPrivileges = currentPortPrivileges()): SwitchyardError {
  return new SwitchyardError('PERMISSION_DENIED', `Not allowed to listen on port ${port}. ${privilegedPortAdvice(port, name, privileges)}`, portField(name));
}

/**
 * Says it before trying, where the system tells: on Linux a port below
 * ip_unprivileged_port_start, for a process that is neither root nor holds
 * CAP_NET_BIND_SERVICE. Elsewhere the bind itself answers (see listenError).
 */
export function refuseUnprivilegedPort(port: number, name: PortName, privileges: PortPrivileges = currentPortPrivileges()): void {
  if (port === 0 || privileges.platform !== 'linux' || privileges.uid === 0 || privileges.canBindAnyPort) return;
  if (privileges.unprivilegedPortStart === undefined || port >= privileges.unprivilegedPortStart) return;
  throw privilegedPortError(port, name, privileges);
}
