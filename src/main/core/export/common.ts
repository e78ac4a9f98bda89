import type { Backend, Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { listenAddressOf } from '../../../shared/route-kind';

/** Where the exported config listens and finds certificate files; tests move these to high ports and a temp folder. */
export interface ExportOptions {
  httpPort: number;
  httpsPort: number;
  /** The folder the user puts each host's certificate and key in: export names the files, never their contents. */
  tlsDirectory: string;
}

/** Production ports, and a folder the user fills with certificates from their own CA or ACME client. */
export const defaultExportOptions: ExportOptions = { httpPort: 80, httpsPort: 443, tlsDirectory: '/etc/ssl/switchyard' };

const millisecondsPerSecond = 1_000;

// What a config may hold unquoted. Stored values already passed the model's
// schemas, but those allow characters that are syntax in these formats
// (a backend host may be `a;b{c}` as WHATWG URL reads it; a path may hold
// `;`, `'` and `$`), so each exporter checks again, quotes or leaves the item
// out with a comment: an export must never let a name or path write config.
const dnsName = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const bracketedIpv6 = /^\[[0-9a-f:.]+\]$/;
const routeHost = /^(?:\*|(?:\*\.)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])$/;
const routePath = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

const listenUrl = /^(?:tcp|udp):\/\/(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$/;
const tlsRouteUrl = /^tls:\/\/(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}\/(?:\*|(?:\*\.)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)$/;

/** Routes with a listener of their own that the exporters write (the kinds a format lacks get a comment). */
export const isListenRoute = (route: Route): boolean => route.kind === 'tcp' || route.kind === 'udp' || route.kind === 'tls';

/** A TLS passthrough route's shared listen address and the server name it takes (`db.localhost`, `*.db.localhost` or `*`). */
export function tlsRoute(route: Route): { listen: string; serverName: string } {
  const slash = route.host.indexOf('/', 'tls://'.length);
  return { listen: route.host.slice(0, slash), serverName: route.host.slice(slash + 1) };
}

/** TLS passthrough routes grouped by the address they share, in Switchyard's order: names, then wildcards, then `*`. */
export function tlsGroups(routes: readonly Route[]): [string, Route[]][] {
  const rank = (name: string) => (name === '*' ? 2 : name.startsWith('*.') ? 1 : 0);
  const groups = new Map<string, Route[]>();
  for (const route of routes.filter((r) => r.kind === 'tls')) {
    const { listen } = tlsRoute(route);
    groups.set(listen, [...(groups.get(listen) ?? []), route]);
  }
  return [...groups].map(([listen, group]) => [listen, group.sort((a, b) => rank(tlsRoute(a).serverName) - rank(tlsRoute(b).serverName))]);
}

/**
 * Whether a route's host (or listen URL) and path hold only what the schemas
 * allow, checked again here; false too for a kind the exporters do not know
 * (they name it in a comment instead).
 */
export function isSafeRoute(route: Route): boolean {
  if (route.kind === 'tls') return tlsRouteUrl.test(route.host) && route.path === '/';
  if (isListenRoute(route)) return listenUrl.test(route.host) && route.path === '/';
  if (route.kind !== 'http') return false;
  return routeHost.test(route.host) && routePath.test(route.path) && !route.path.includes('//');
}

/**
 * Text for a comment line. Notes quote what the user typed (a cookie name, a
 * URL), and a line break there would end the comment and start config.
 */
export const oneLine = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?');

/** A route's name for a comment line: what a comment cannot hold (a line break) never reaches it. */
export const commentLabel = (route: Route): string => routeLabel(route).replace(/[^\x20-\x7e]/g, '?');

/** The comments for routes an export leaves out: unknown kinds, and hosts or paths that cannot be written safely. */
export function leftOutNotes(routes: readonly Route[], comment: string): string[] {
  return routes.filter((route) => !isSafeRoute(route)).map((route) =>
    route.kind === 'http' || isListenRoute(route)
      ? `${comment} ${unsafeRouteNote(route)}`
      : `${comment} ${commentLabel(route)} not exported: Switchyard's export does not write ${route.kind} routes yet`,
  );
}

/** A backend as a config names it; undefined when its host has characters no config format may carry unquoted. */
export interface BackendAddress {
  scheme: 'http' | 'https' | 'tcp' | 'udp';
  /** As a config writes it: a name, an IPv4 address or a bracketed IPv6 address. */
  host: string;
  port: number;
  /** `host:port`. */
  hostPort: string;
  loopback: boolean;
}

export function backendAddress(url: string): BackendAddress | undefined {
  const match = /^(https?|tcp|udp):\/\/(\[[0-9a-f:.]+\]|[^/:[\]]+):(\d{1,5})$/.exec(url);
  if (!match) return undefined;
  const [, scheme, host, portText] = match as unknown as [string, BackendAddress['scheme'], string, string];
  if (!dnsName.test(host) && !ipv4.test(host) && !bracketedIpv6.test(host)) return undefined;
  const port = Number(portText);
  return { scheme, host, port, hostPort: `${host}:${port}`, loopback: isLoopback(host) };
}

export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '[::1]' || host === 'localhost' || host.endsWith('.localhost');
}

/** Names only this machine or a private CA can certify, for which Caddy uses `tls internal`. */
export function isLocalName(host: string): boolean {
  return (
    ipv4.test(host) ||
    bracketedIpv6.test(host) ||
    host === 'localhost' ||
    ['.localhost', '.test', '.internal', '.home.arpa', '.local'].some((suffix) => host.endsWith(suffix))
  );
}

/** The file name (without extension) a host's certificate is looked for under: `*.a.test` → `wildcard.a.test`, `*` → `default`. */
export function certificateName(host: string): string {
  if (host === '*') return 'default';
  return host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9.-]/g, '-').replace(/^-+|-+$/g, '');
}

/** An identifier for a config's own names (upstreams, backends, zones): letters, digits and underscores. */
export function identifierOf(route: Route): string {
  const text = routeLabel(route)
    .replace(/^tcp:\/\//, 'tcp_')
    .replace(/^\*$/, 'default')
    .replace(/^\*\./, 'wildcard_');
  return text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'root';
}

/** Identifiers for every route, unique even when two labels reduce to the same text. */
export function identifiers(routes: readonly Route[]): Map<number, string> {
  const taken = new Set<string>();
  const names = new Map<number, string>();
  for (const route of routes) {
    const base = identifierOf(route);
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}_${n}`;
    taken.add(name);
    names.set(route.id, name);
  }
  return names;
}

/** Whole seconds, at least 1, for formats that count in seconds. */
export const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / millisecondsPerSecond));

/** Switchyard's lookup order: exact hosts, then wildcards (more labels first), then `*`; within a host, longest path first. */
export function inLookupOrder<T extends Route>(routes: readonly T[]): T[] {
  const rank = (host: string) => (host === '*' ? 2 : host.startsWith('*.') ? 1 : 0);
  return [...routes].sort(
    (a, b) =>
      rank(a.host) - rank(b.host) ||
      b.host.split('.').length - a.host.split('.').length ||
      a.host.localeCompare(b.host) ||
      b.path.length - a.path.length ||
      a.path.localeCompare(b.path),
  );
}

/** Routes grouped by host, hosts in lookup order. */
export function byHost<T extends Route>(routes: readonly T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const route of inLookupOrder(routes)) groups.set(route.host, [...(groups.get(route.host) ?? []), route]);
  return [...groups];
}

/** The backends the algorithm weighs; only weighted ones carry a weight into the config. */
export const usesWeights = (route: Route): boolean => route.algorithm !== 'round-robin';

/** A backend that takes no new requests in Switchyard (switched off or draining). */
export const isOutOfService = (backend: Backend): boolean => !backend.enabled || backend.draining;

/** The listen address and port of a TCP route. */
export function tcpListen(route: Route): { address: string; port: number; hostPort: string } {
  const { address, port } = listenAddressOf(route.host);
  const host = address.includes(':') ? `[${address}]` : address;
  return { address: host, port, hostPort: `${host}:${port}` };
}

/** The comment lines every export starts with, in the format's comment syntax. */
export function preamble(format: string, routes: readonly Route[], comment: string): string[] {
  const count = (kind: string) => routes.filter((r) => r.kind === kind).length;
  const kinds = [...new Set(routes.map((r) => r.kind))].sort();
  const counts = kinds.map((kind) => `${count(kind)} ${kind.toUpperCase()} route${count(kind) === 1 ? '' : 's'}`);
  return [
    `${comment} ${format} config exported by Switchyard: ${counts.join(', ') || 'no routes'}.`,
    `${comment} Host names are the local ones (*.localhost and so on): rename them for production.`,
    `${comment} Backends on this machine (127.0.0.1, ::1, localhost) keep their addresses: point them at your production servers.`,
    `${comment} Certificates: only file names are written here; put your own certificate and key at each path (Switchyard's local CA keys never leave its data folder).`,
    `${comment} Where a Switchyard setting has no equivalent here, a comment says so next to the route.`,
  ];
}

/** healthStatuses as a list of classes (2xx) and codes (204); undefined when any part is neither (the model refuses those). */
export function statusList(text: string): string[] | undefined {
  const parts = text.split(',').map((part) => part.trim().toLowerCase());
  return parts.every((part) => /^[1-5](?:xx|\d\d)$/.test(part)) ? parts : undefined;
}

/** The sentence for a backend left out because its host cannot be written safely. */
export const unsafeBackendNote = (route: Route, index: number): string =>
  `backend ${index + 1} of ${commentLabel(route)} left out: its host has characters that are config syntax here; use a DNS name or an IP address`;

/** The sentence for a route left out because its host or path cannot be written safely. */
export const unsafeRouteNote = (route: Route): string =>
  `route ${route.id} left out: its host or path has characters that cannot be written safely in this format`;
