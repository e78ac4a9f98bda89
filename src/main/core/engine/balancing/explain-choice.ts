import { cookieValue } from '../http/cookies';
import type { SelectionKey } from '../http/message';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import { hashKeyOf, type InFlight } from './balancer';

/** Backends named in a least-connections explanation besides the chosen one. */
const othersShown = 3;

const label = (target: UpstreamTarget) => target.hostport;

/**
 * Why the balancer chose `target`, in words for the traffic record
 * ("least-connections: 127.0.0.1:3002 had 0 in flight, 127.0.0.1:3001 3").
 * Called right after pickBackend in the same tick, so the in-flight counts
 * it quotes are the ones the choice was made on; only when records are kept.
 */
export function explainChoice(key: SelectionKey, route: CompiledRoute, target: UpstreamTarget, inFlight: InFlight): string {
  if (!route.candidates.includes(target)) return `last resort: ${label(target)} was out of rotation (health), tried because every other backend failed`;
  const settings = route.settings;
  if (settings.sticky === 'cookie' && cookieValue(key.header('cookie'), settings.stickyCookie) === target.stickyValue) {
    return `sticky cookie ${settings.stickyCookie} → ${label(target)}`;
  }
  if (settings.sticky === 'ip') return `sticky by client address ${key.clientAddress} → ${label(target)}`;
  const n = route.candidates.length;
  switch (route.algorithm) {
    case 'round-robin':
      return `round-robin: ${label(target)}, next in turn of ${n}`;
    case 'weighted-round-robin':
      return `weighted round-robin: ${label(target)} has weight ${target.weight} of ${route.candidates.reduce((sum, c) => sum + c.weight, 0)}`;
    case 'least-connections': {
      const others = route.candidates.filter((c) => c !== target).slice(0, othersShown);
      const rest = others.map((c) => `${label(c)} ${inFlight(c.id)}`).join(', ');
      return `least-connections: ${label(target)} had ${inFlight(target.id)} in flight${rest ? `, ${rest}` : ''}`;
    }
    case 'random-two-choices':
      return `random two choices: ${label(target)} had ${inFlight(target.id)} in flight, the fewer of two`;
    case 'ip-hash':
      return `ip-hash of ${key.clientAddress} → ${label(target)}`;
    case 'consistent-hash': {
      const hashKey = hashKeyOf(key, route);
      const source = settings.hashKey.source === 'path' ? 'path' : `${settings.hashKey.source} ${settings.hashKey.name}`;
      return hashKey === undefined
        ? `consistent-hash: the request has no ${source}, so round-robin → ${label(target)}`
        : `consistent-hash on ${source} → ${label(target)}`;
    }
  }
}
