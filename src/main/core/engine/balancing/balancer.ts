import type { ProxyRequest } from '../http/http1/proxy-request';
import { cookieValue } from '../http/cookies';
import { clientAddress } from '../http/forwarded-headers';
import { pathFromTarget } from '../http/host-header';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import type { RuntimeState } from '../runtime-state';
import { ipHash, leastConnections, randomTwoChoices, roundRobin, smoothWeightedRoundRobin } from './selection-policies';

/** The consistent-hash key of a request, per the route's settings; undefined when the request lacks it. */
export function hashKeyOf(req: ProxyRequest, route: CompiledRoute): string | undefined {
  const key = route.settings.hashKey;
  if (key.source === 'path') return pathFromTarget(req.url);
  if (key.source === 'cookie') return cookieValue(req.headers.cookie, key.name!);
  const value = req.headers[key.name!];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The backend a sticky route has pinned this client to, if it may still serve. */
function stickyChoice(req: ProxyRequest, route: CompiledRoute): UpstreamTarget | undefined {
  if (route.settings.sticky === 'cookie') {
    const value = cookieValue(req.headers.cookie, route.settings.stickyCookie);
    return value === undefined ? undefined : route.sticky.get(value);
  }
  if (route.settings.sticky === 'ip') return ipHash(route.candidates, clientAddress(req));
  return undefined;
}

/** The Set-Cookie that pins this client to `target`, when the route is cookie-sticky and it is not pinned there yet. */
export function stickyCookieFor(req: ProxyRequest, route: CompiledRoute, target: UpstreamTarget): string | undefined {
  if (route.settings.sticky !== 'cookie') return undefined;
  const name = route.settings.stickyCookie;
  if (cookieValue(req.headers.cookie, name) === target.stickyValue) return undefined;
  return `${name}=${target.stickyValue}; Path=/; HttpOnly; SameSite=Lax`;
}

/**
 * Picks the backend for one attempt. `tried` holds backends that already
 * failed this request, so a retry goes elsewhere when another exists.
 */
export function pickBackend(
  req: ProxyRequest,
  route: CompiledRoute,
  runtime: RuntimeState,
  tried?: ReadonlySet<number>,
): UpstreamTarget | undefined {
  const all = route.candidates;
  const retrying = tried !== undefined && tried.size > 0;
  let candidates = retrying ? all.filter((c) => !tried.has(c.id)) : all;
  // Every candidate failed this request: try the in-service backends that
  // health had set aside (ejected, failing checks) before answering 502, as
  // nginx's round-robin does when all peers are marked failed ("mark them as
  // live for quick recovery", ngx_http_upstream_get_round_robin_peer). An
  // ejected backend may well be alive again (passive ejection lasts its full
  // time) while the one that just failed cannot be ejected in its place.
  if (retrying && candidates.length === 0) candidates = route.reserve.filter((c) => !tried.has(c.id));
  if (candidates.length === 0) return undefined;
  // A retry picks among the rest from a copy of the state, so a failing
  // backend does not reset the rotation every other request relies on.
  const sticky = stickyChoice(req, route);
  if (sticky && candidates.includes(sticky)) return sticky;
  const shared = runtime.selectionFor(route.id);
  const state = retrying ? { cursor: shared.cursor, current: new Map(shared.current) } : shared;
  switch (route.algorithm) {
    case 'round-robin':
      return roundRobin(candidates, state);
    case 'weighted-round-robin':
      return smoothWeightedRoundRobin(candidates, state);
    case 'least-connections':
      return leastConnections(candidates, runtime.active, state);
    case 'random-two-choices':
      return randomTwoChoices(candidates, runtime.active);
    case 'ip-hash':
      return ipHash(candidates, clientAddress(req));
    case 'consistent-hash': {
      const key = hashKeyOf(req, route);
      const hit = key === undefined ? undefined : route.ring?.pick(key);
      return hit && candidates.includes(hit) ? hit : roundRobin(candidates, state);
    }
  }
}
