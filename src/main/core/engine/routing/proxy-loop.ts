import type { ListenerStatus } from '../../../../shared/commands';
import { SwitchyardError } from '../../../../shared/errors';
import { isLoopbackName } from '../http/host-header';
import { originOf } from '../upstream/dialer';

/** Connecting to the unspecified address reaches this machine (Linux and macOS both treat it as a local address). */
const unspecified = new Set(['0.0.0.0', '::']);

const bracketed = (address: string) => (address.includes(':') ? `[${address}]` : address);


/**
 * The listener a backend URL would send requests straight back to, if any:
 * a loopback (or unspecified) host or the listener's own address, on the
 * listener's port. A name that only resolves to this machine (lvh.me) is
 * not caught here; the Via check in the data plane stops that loop.
 */
export function loopingListener(url: string, listeners: readonly ListenerStatus[]): ListenerStatus | undefined {
  const { hostname, port } = originOf(url);
  // Host names as a Host header writes them: IPv6 literals bracketed.
  const local = isLoopbackName(bracketed(hostname)) || unspecified.has(hostname);
  return listeners.find((l) => l.port === port && (local || hostname === l.address));
}

/** Refuses a backend URL that is one of Switchyard's own listeners: every request would come back and go round again. */
export function refuseProxyLoop(url: string, listeners: readonly ListenerStatus[], field: string): void {
  const listener = loopingListener(url, listeners);
  if (!listener) return;
  throw new SwitchyardError(
    'PROXY_LOOP',
    `${url} is Switchyard's own listener (${bracketed(listener.address)}:${listener.port}), so requests would loop back into Switchyard. Use the address and port your dev server listens on, for example http://127.0.0.1:3000.`,
    field,
  );
}
