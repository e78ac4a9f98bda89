import { cookieValue } from '../http/cookies';
import type { SelectionKey } from '../http/message';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import type { SelectionStates } from './selection-states';
import { ipHash, leastConnections, randomTwoChoices, roundRobin, smoothWeightedRoundRobin } from './selection-policies';

// Balancing: which backend takes the next attempt. Works on a selection key
// (client address, headers, path), not on a request, so any protocol's
// listener — and TCP routes, which have only an address — can use it.
// Policies are pure functions over candidates and state (selection-policies.ts);
// this file applies the route's stickiness, retry exclusions and last resort.

/** Requests in flight per backend, for least-connections and two random choices. */
export type InFlight = (backendId: number) => number;

/** The consistent-hash key, per the route's settings; undefined when the request lacks it. */
export function hashKeyOf(key: SelectionKey, route: CompiledRoute): string | undefined {
  // A TCP connection or UDP session has only its address (nginx stream: hash $remote_addr consistent).
  if (route.kind !== 'http') return key.clientAddress;
  const hashKey = route.settings.hashKey;
  if (hashKey.source === 'path') return key.path;
  if (hashKey.source === 'cookie') return cookieValue(key.header('cookie'), hashKey.name!);
  return key.header(hashKey.name!);
}

/** The backend a sticky route has pinned this client to, if it may still serve. */
function stickyChoice(key: SelectionKey, route: CompiledRoute): UpstreamTarget | undefined {
  if (route.settings.sticky === 'cookie') {
    const value = cookieValue(key.header('cookie'), route.settings.stickyCookie);
    return value === undefined ? undefined : route.sticky.get(value);
  }
  if (route.settings.sticky === 'ip') return ipHash(route.candidates, key.clientAddress);
  return undefined;
}

/** The Set-Cookie that pins this client to `target`, when the route is cookie-sticky and it is not pinned there yet. */
export function stickyCookieFor(key: SelectionKey, route: CompiledRoute, target: UpstreamTarget): string | undefined {
  if (route.settings.sticky !== 'cookie') return undefined;
  const name = route.settings.stickyCookie;
  if (cookieValue(key.header('cookie'), name) === target.stickyValue) return undefined;
  return `${name}=${target.stickyValue}; Path=/; HttpOnly; SameSite=Lax`;
}

/** Backends an attempt may go to: every candidate, or on a retry those not yet tried, then health's reserve. */
function eligible(route: CompiledRoute, tried: ReadonlySet<number> | undefined): readonly UpstreamTarget[] {
  const all = route.candidates;
  if (tried === undefined || tried.size === 0) return all;
  const rest = all.filter((c) => !tried.has(c.id));
  // Every candidate failed this request: try the in-service backends that
  // health had set aside (ejected, failing checks) before answering 502, as
  // nginx's round-robin does when all peers are marked failed ("mark them as
  // live for quick recovery", ngx_http_upstream_get_round_robin_peer). An
  // ejected backend may well be alive again (passive ejection lasts its full
  // time) while the one that just failed cannot be ejected in its place.
  return rest.length > 0 ? rest : route.reserve.filter((c) => !tried.has(c.id));
}

/**
 * Picks the backend for one attempt. `tried` holds backends that already
 * failed this request, so a retry goes elsewhere when another exists.
 */
export function pickBackend(
  key: SelectionKey,
  route: CompiledRoute,
  states: SelectionStates,
  inFlight: InFlight,
  tried?: ReadonlySet<number>,
): UpstreamTarget | undefined {
  const candidates = eligible(route, tried);
  if (candidates.length === 0) return undefined;
  const sticky = stickyChoice(key, route);
  if (sticky && candidates.includes(sticky)) return sticky;
  // A retry picks among the rest from a copy of the state, so a failing
  // backend does not reset the rotation every other request relies on.
  const shared = states.of(route.id);
  const state = tried !== undefined && tried.size > 0 ? { cursor: shared.cursor, current: new Map(shared.current) } : shared;
  switch (route.algorithm) {
    case 'round-robin':
      return roundRobin(candidates, state);
    case 'weighted-round-robin':
      return smoothWeightedRoundRobin(candidates, state);
    case 'least-connections':
      return leastConnections(candidates, inFlight, state);
    case 'random-two-choices':
      return randomTwoChoices(candidates, inFlight);
    case 'ip-hash':
      return ipHash(candidates, key.clientAddress);
    case 'consistent-hash': {
      const hashKey = hashKeyOf(key, route);
      const hit = hashKey === undefined ? undefined : route.ring?.pick(hashKey);
      return hit && candidates.includes(hit) ? hit : roundRobin(candidates, state);
    }
  }
}
