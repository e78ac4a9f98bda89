import { listenError } from '../../os-errors';
import type { PortName } from '../../port-naming';

/** The sentences below replace listenError's where it would name the setting. */
const routePort: PortName = { listener: 'route', setting: "the route's URL" };

/** IPv6 literals bracketed, as in a route's URL and the HTTP listener's messages. */
export const displayAddress = (address: string): string => (address.includes(':') ? `[${address}]` : address);

/**
 * A listen failure in the words the HTTP listener uses (os-errors.ts), after
 * `lead` (what takes no connections), with its own "what to do": an L4
 * route's port is in its URL, not in a flag, so the way out is to add the
 * route (`routes`: "the route", "these routes") again with another port.
 */
export function listenProblem(lead: string, at: { address: string; port: number }, error: NodeJS.ErrnoException, routes: 'the route' | 'these routes'): string {
  const typed = listenError(error, displayAddress(at.address), at.port, routePort);
  const again = routes === 'the route' ? 'the route and add it again' : 'these routes and add them again';
  if (typed.code === 'PORT_IN_USE') {
    return `${lead}: port ${at.port} on ${displayAddress(at.address)} is already in use by another program. Stop that program, or remove ${again} with another port.`;
  }
  if (typed.code === 'PERMISSION_DENIED') {
    return `${lead}: not allowed to listen on port ${at.port} (ports below 1024 need extra privileges). Remove ${again} with a port above 1023.`;
  }
  return `${lead}: ${typed.message}`;
}
