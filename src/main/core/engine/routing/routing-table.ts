// Routing: config compiled into an immutable table that answers "which
// route takes this host and path" (exact host, then wildcard, then default;
// longest path prefix) and holds each route's candidates as health allows.
// A new table is built per config or health change and swapped in whole.

import { createHash } from 'node:crypto';
import type { Algorithm, Backend, Route, RouteKind, RouteSettings } from '../../../../shared/model';
import { inPanic } from '../../health/health-state';
import { HashRing } from '../balancing/hash-ring';
import { originOf, type UpstreamOrigin } from '../upstream/dialer';
import { routeLabel } from '../../../../shared/route-label';

export interface UpstreamTarget extends UpstreamOrigin {
  id: number;
  url: string;
  /** For a rewritten Host header: IPv6 literals bracketed. */
  hostport: string;
  weight: number;
  /** The sticky cookie's value for this backend: opaque, not its address. */
  stickyValue: string;
}

export interface CompiledRoute {
  id: number;
  /** tcp and udp routes are never matched by host: their own listener serves them (engine/l4). */
  kind: RouteKind;
  host: string;
  path: string;
  /** As pages, logs and records name it (routeLabel), built once per table. */
  label: string;
  algorithm: Algorithm;
  settings: RouteSettings;
  /** Backends that may receive traffic (enabled), in configured order. */
  candidates: UpstreamTarget[];
  backendCount: number;
  /** Enabled and not draining, whatever their health. */
  inService: number;
  /** Too few healthy backends: balancing across all in service. */
  panic: boolean;
  /** For consistent-hash routes; reused from the previous table while the candidates are unchanged. */
  ring?: HashRing<UpstreamTarget>;
  /** Sticky cookie value → candidate. */
  sticky: Map<string, UpstreamTarget>;
  /**
   * In-service backends that are not candidates (ejected or failing checks):
   * a retry's last resort once every candidate failed (see pickBackend).
   */
  reserve: UpstreamTarget[];
}

export interface RoutingTable {
  readonly revision: number;
  /** Configured hosts, for the unknown-host page. */
  readonly hosts: string[];
  match(host: string, path: string): CompiledRoute | undefined;
  /** The routes this host has (exact, then wildcard, then default), for a 404 whose host is known but whose path is not. */
  routesFor(host: string): CompiledRoute[];
  route(id: number): CompiledRoute | undefined;
}

interface HostGroup {
  /** Longest prefix first, so the first hit is the longest match. */
  routes: CompiledRoute[];
}

function compileTarget(routeId: number, id: number, url: string, weight: number): UpstreamTarget {
  return {
    stickyValue: createHash('sha256').update(`${routeId}\0${url}`).digest('base64url').slice(0, 16),
    id,
    url,
    ...originOf(url),
    hostport: new URL(url).host,
    weight,
  };
}

/** Whether health lets a backend take new requests (it is enabled and not draining). */
export type Availability = (backendId: number) => boolean;

/** What a route's candidates determine; the balancer compares targets by identity, so these are reused together. */
type Targets = Pick<CompiledRoute, 'candidates' | 'sticky' | 'ring'>;

function sameTargets(previous: readonly UpstreamTarget[], backends: readonly Backend[]): boolean {
  return (
    previous.length === backends.length &&
    backends.every((b, i) => previous[i]!.id === b.id && previous[i]!.url === b.url && previous[i]!.weight === b.weight)
  );
}

/**
 * A health change that moves no backend in or out of the candidates (or a
 * config change to another route) keeps this route's targets and ring from the
 * previous table instead of rebuilding them: targets derive only from the
 * route id and each candidate's id, URL and weight.
 */
function compileTargets(route: Route, backends: readonly Backend[], previous: CompiledRoute | undefined): Targets {
  const wantsRing = route.algorithm === 'consistent-hash';
  if (previous && sameTargets(previous.candidates, backends)) {
    const { candidates, sticky, ring } = previous;
    if (!wantsRing) return { candidates, sticky };
    if (ring) return { candidates, sticky, ring };
  }
  const candidates = backends.map((b) => compileTarget(route.id, b.id, b.url, b.weight));
  return {
    candidates,
    sticky: new Map(candidates.map((c) => [c.stickyValue, c])),
    // Ring points derive from the URL, so a key keeps its backend across edits.
    ...(wantsRing ? { ring: new HashRing(candidates, (c) => c.url) } : {}),
  };
}

function compileRoute(route: Route, isAvailable: Availability, previous: CompiledRoute | undefined): CompiledRoute {
  const inService = route.backends.filter((b) => b.enabled && !b.draining);
  const available = inService.filter((b) => isAvailable(b.id));
  // Panic mode: too few healthy backends, so spread over all in service.
  const panic = inPanic(available.length, inService.length, route.settings.panicThresholdPercent / 100);
  return {
    id: route.id,
    kind: route.kind,
    host: route.host,
    path: route.path,
    label: routeLabel(route),
    algorithm: route.algorithm,
    settings: route.settings,
    ...compileTargets(route, panic ? inService : available, previous),
    backendCount: route.backends.length,
    reserve: panic ? [] : inService.filter((b) => !isAvailable(b.id)).map((b) => compileTarget(route.id, b.id, b.url, b.weight)),
    inService: inService.length,
    panic,
  };
}

/** Prefixes match whole segments: `/api` matches `/api` and `/api/x`, not `/apix`. */
function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47);
}

function matchGroup(group: HostGroup | undefined, path: string): CompiledRoute | undefined {
  if (!group) return undefined;
  for (const route of group.routes) if (prefixMatches(route.path, path)) return route;
  return undefined;
}

/**
 * Builds the immutable table the data plane reads. Lookup order: exact host,
 * then wildcard hosts from the most specific (longest suffix, as nginx picks
 * the longest wildcard name), then the default route `*`; within a host the
 * longest path prefix wins.
 * A host whose prefixes do not cover the path falls through to the next
 * group, so `api.x.localhost/v1` and `*.x.localhost/` can live side by side.
 * `previous` is the table this one replaces: routes whose candidates did not
 * change keep their compiled targets and hash ring from it.
 */
export function buildRoutingTable(
  routes: readonly Route[],
  revision: number,
  isAvailable: Availability = () => true,
  previous?: RoutingTable,
): RoutingTable {
  const exact = new Map<string, HostGroup>();
  const wildcards = new Map<string, HostGroup>();
  const fallback: HostGroup = { routes: [] };
  const byId = new Map<number, CompiledRoute>();
  for (const route of routes) {
    const compiled = compileRoute(route, isAvailable, previous?.route(route.id));
    byId.set(route.id, compiled);
    if (route.kind !== 'http') continue;
    if (route.host === '*') {
      fallback.routes.push(compiled);
      continue;
    }
    const isWildcard = route.host.startsWith('*.');
    const map = isWildcard ? wildcards : exact;
    const key = isWildcard ? route.host.slice(1) : route.host;
    const group = map.get(key) ?? { routes: [] };
    group.routes.push(compiled);
    map.set(key, group);
  }
  for (const group of [...exact.values(), ...wildcards.values(), fallback]) {
    group.routes.sort((a, b) => b.path.length - a.path.length);
  }
  const wildcardList = [...wildcards.entries()].sort((a, b) => b[0].length - a[0].length);
  const hosts = [...new Set(routes.filter((r) => r.kind === 'http').map((r) => r.host))].sort();

  return {
    revision,
    hosts,
    route: (id) => byId.get(id),
    match(host, path) {
      const hit = matchGroup(exact.get(host), path);
      if (hit) return hit;
      for (const [suffix, group] of wildcardList) {
        if (host.length > suffix.length && host.endsWith(suffix)) {
          const wildHit = matchGroup(group, path);
          if (wildHit) return wildHit;
        }
      }
      return matchGroup(fallback, path);
    },
    routesFor(host) {
      const wild = wildcardList.filter(([suffix]) => host.length > suffix.length && host.endsWith(suffix)).flatMap(([, group]) => group.routes);
      return [...(exact.get(host)?.routes ?? []), ...wild, ...fallback.routes];
    },
  };
}
