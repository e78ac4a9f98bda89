import { createHash } from 'node:crypto';
import type { Algorithm, Route, RouteSettings } from '../../../shared/model';
import { inPanic } from '../health/health-state';
import { HashRing } from './hash-ring';

export interface UpstreamTarget {
  id: number;
  url: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** For a rewritten Host header: IPv6 literals bracketed. */
  hostport: string;
  weight: number;
  /** The sticky cookie's value for this backend: opaque, not its address. */
  stickyValue: string;
}

export interface CompiledRoute {
  id: number;
  host: string;
  path: string;
  algorithm: Algorithm;
  settings: RouteSettings;
  /** Backends that may receive traffic (enabled), in configured order. */
  candidates: UpstreamTarget[];
  backendCount: number;
  /** Enabled and not draining, whatever their health. */
  inService: number;
  /** Too few healthy backends: balancing across all in service. */
  panic: boolean;
  /** Built once per table for consistent-hash routes. */
  ring?: HashRing<UpstreamTarget>;
  /** Sticky cookie value → candidate. */
  sticky: Map<string, UpstreamTarget>;
}

export interface RoutingTable {
  readonly revision: number;
  /** Configured hosts, for the unknown-host page. */
  readonly hosts: string[];
  match(host: string, path: string): CompiledRoute | undefined;
  route(id: number): CompiledRoute | undefined;
}

interface HostGroup {
  /** Longest prefix first, so the first hit is the longest match. */
  routes: CompiledRoute[];
}

function compileTarget(routeId: number, id: number, url: string, weight: number): UpstreamTarget {
  const parsed = new URL(url);
  return {
    stickyValue: createHash('sha256').update(`${routeId}\0${url}`).digest('base64url').slice(0, 16),
    id,
    url,
    protocol: parsed.protocol as UpstreamTarget['protocol'],
    // URL keeps IPv6 literals bracketed; sockets want them bare.
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port),
    hostport: parsed.host,
    weight,
  };
}

/** Whether health lets a backend take new requests (it is enabled and not draining). */
export type Availability = (backendId: number) => boolean;

function compileRoute(route: Route, isAvailable: Availability): CompiledRoute {
  const inService = route.backends.filter((b) => b.enabled && !b.draining);
  const available = inService.filter((b) => isAvailable(b.id));
  // Panic mode: too few healthy backends, so spread over all in service.
  const panic = inPanic(available.length, inService.length, route.settings.panicThresholdPercent / 100);
  const candidates = (panic ? inService : available).map((b) => compileTarget(route.id, b.id, b.url, b.weight));
  return {
    id: route.id,
    host: route.host,
    path: route.path,
    algorithm: route.algorithm,
    settings: route.settings,
    candidates,
    backendCount: route.backends.length,
    inService: inService.length,
    panic,
    sticky: new Map(candidates.map((c) => [c.stickyValue, c])),
    // Ring points derive from the URL, so a key keeps its backend across edits.
    ...(route.algorithm === 'consistent-hash' ? { ring: new HashRing(candidates, (c) => c.url) } : {}),
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
 */
export function buildRoutingTable(routes: readonly Route[], revision: number, isAvailable: Availability = () => true): RoutingTable {
  const exact = new Map<string, HostGroup>();
  const wildcards = new Map<string, HostGroup>();
  const fallback: HostGroup = { routes: [] };
  const byId = new Map<number, CompiledRoute>();
  for (const route of routes) {
    const compiled = compileRoute(route, isAvailable);
    byId.set(route.id, compiled);
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
  const hosts = [...new Set(routes.map((r) => r.host))].sort();

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
  };
}
