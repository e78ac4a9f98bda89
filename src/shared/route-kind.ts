import { ipv6Literal } from './ip-literal';

// Route kinds. An HTTP route is addressed by a host (and path prefix); a TCP
// or UDP route by the URL it listens on, `tcp://127.0.0.1:15432` or
// `udp://127.0.0.1:15353`, which is what its `host` holds, so every command,
// list and page that names a route by its host names an L4 route by its URL.
// Kept free of zod so the renderer can use it.
//
// A TLS passthrough route shares its listen address with other TLS routes and
// takes the connections whose ClientHello names its server:
// `tls://127.0.0.1:18443/db.localhost` (`/*.db.localhost` for names one label
// down, `/*` for every connection no other name takes). The whole URL, name
// included, is its `host`: it names the route everywhere as a TCP route's URL
// does (and is typed as one, `switchyard route add tls://…`), and UNIQUE
// (host, path) keeps one route per name per address, as the path column
// could not without giving TLS routes a path that means something else.

export const routeKinds = ['http', 'tcp', 'udp', 'tls'] as const;
export type RouteKind = (typeof routeKinds)[number];
/** Kinds with a listener of their own, named by their listen URL (engine/l4). */
export type ListenKind = Exclude<RouteKind, 'http'>;

/** The largest TCP or UDP port, and what every port field says when a number is outside 1 to it. */
export const maxPort = 65535;
export const portRange = `A port is a number from 1 to ${maxPort}.`;

const listenScheme = /^(tcp|udp|tls):\/\//i;

/** The kind a route address (a stored host, or what a user typed) names. */
export const routeKindOf = (address: string): RouteKind => (listenScheme.exec(address.trim())?.[1]?.toLowerCase() as ListenKind | undefined) ?? 'http';

/** How sentences name each kind, and the port their examples use (PostgreSQL's, DNS's, with a 1 in front). */
const kindWords: Record<ListenKind, { label: string; examplePort: number; backendPort: number; unit: string }> = {
  tcp: { label: 'TCP', examplePort: 15432, backendPort: 5432, unit: 'connection' },
  udp: { label: 'UDP', examplePort: 15353, backendPort: 5353, unit: 'datagram' },
  tls: { label: 'TLS passthrough', examplePort: 18443, backendPort: 8443, unit: 'connection' },
};

const dottedQuad = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const listenExample = (kind: ListenKind) => {
  const name = kind === 'tls' ? '/db.localhost' : '';
  return `for example ${kind}://127.0.0.1:${kindWords[kind].examplePort}${name} (or ${kind}://[::1]:${kindWords[kind].examplePort}${name})`;
};

/**
 * A TCP or UDP route's listen URL in its one stored form,
 * `tcp://127.0.0.1:15432` or `udp://[::1]:15353`, or the sentence that says
 * what is wrong. It listens on an IP address the user names; `localhost`
 * means 127.0.0.1 (a name could resolve to several addresses, and a listener
 * binds one).
 */
export function parseListenUrl(raw: string): { url: string } | { error: string } {
  const scheme = routeKindOf(raw);
  const kind: ListenKind = scheme === 'http' ? 'tcp' : scheme;
  const named = kind === 'tls' ? splitServerName(raw.trim()) : { address: raw.trim(), serverName: '' };
  if ('error' in named) return named;
  const text = named.address;
  const { label } = kindWords[kind];
  const match = /^(?:tcp|udp|tls):\/\/(\[[^\]]*\]|[^/:?#[\]]*)(?::(\d*))?\/?$/i.exec(text);
  if (!match) return { error: `A ${label} route is a URL with an address and a port and nothing else, ${listenExample(kind)}.` };
  const [, rawHost = '', portText] = match;
  const lowerHost = rawHost.toLowerCase();
  const host = lowerHost === 'localhost' ? '127.0.0.1' : lowerHost.startsWith('[') ? ipv6Literal(lowerHost.slice(1, -1)) : lowerHost;
  if (host === undefined || (!host.startsWith('[') && !dottedQuad.test(host))) {
    return { error: `A ${label} route listens on an IP address of this machine, ${listenExample(kind)}; "${rawHost}" is not one.` };
  }
  if (portText === undefined || portText === '') return { error: `Add the port the ${label} route listens on, ${listenExample(kind)}.` };
  const port = Number(portText);
  if (port < 1 || port > maxPort) return { error: portRange };
  return { url: `${kind}://${host}:${port}${named.serverName}` };
}

const nameLabel = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** A host name, or `*.` and one, or `*` alone: model.ts's host names without IP literals. */
const serverNamePattern = new RegExp(`^(?:\\*|(?:\\*\\.)?(?:${nameLabel}\\.)*${nameLabel})$`);
const tlsExample = 'for example tls://127.0.0.1:18443/db.localhost (or /*.db.localhost for the names one label below it, /* for connections no other route on the port takes)';

/** A TLS route URL's listen part and its `/name` (stored lower case, without a trailing dot), or what is wrong with the name. */
function splitServerName(text: string): { address: string; serverName: string } | { error: string } {
  const slash = text.indexOf('/', 'tls://'.length);
  const rawName = slash < 0 ? '' : text.slice(slash + 1);
  if (rawName === '') return { error: `A TLS passthrough route names the server a client asks for after the port, ${tlsExample}.` };
  const name = rawName.toLowerCase().replace(/\.$/, '');
  if (dottedQuad.test(name) || name.startsWith('[')) {
    return { error: `A client never sends an IP address as the server name (RFC 6066), so "${rawName}" would take no connection; use * for connections that name no server.` };
  }
  if (name.length > 253 || !serverNamePattern.test(name)) {
    return { error: `"${rawName}" is not a server name: use a host name like db.localhost, *.db.localhost, or * (letters, digits, dots and hyphens), ${tlsExample}.` };
  }
  return { address: text.slice(0, slash), serverName: `/${name}` };
}

/** A stored TLS route URL's shared listen URL (tls://127.0.0.1:18443) and server name (db.localhost, *.db.localhost or *). */
export function tlsRouteParts(url: string): { listenUrl: string; serverName: string } {
  const slash = url.indexOf('/', 'tls://'.length);
  return { listenUrl: url.slice(0, slash), serverName: url.slice(slash + 1) };
}

/** Where a stored listen URL binds: the address without brackets, and the port. */
export function listenAddressOf(url: string): { address: string; port: number } {
  if (routeKindOf(url) === 'tls' && url.indexOf('/', 'tls://'.length) > 0) return listenAddressOf(tlsRouteParts(url).listenUrl);
  const at = url.lastIndexOf(':');
  const host = url.slice(url.indexOf('://') + '://'.length, at);
  return { address: host.replace(/^\[(.*)\]$/, '$1'), port: Number(url.slice(at + 1)) };
}

/** Health checks' timing, passive ejection and the connection limit: TCP, TLS and UDP routes all have them. */
const l4HealthAndLimitSettings = [
  'healthIntervalMs',
  'healthTimeoutMs',
  'healthRise',
  'healthFall',
  'ejectAfter',
  'ejectBaseMs',
  'ejectMaxMs',
  'maxEjectedPercent',
  'panicThresholdPercent',
  'maxConnections',
] as const;

/**
 * The settings a TCP route has: the rest act on HTTP requests (headers,
 * paths, cookies, statuses, bodies, caching) and a TCP route relays bytes
 * without reading them. A list of what is allowed, so a setting added for
 * HTTP later is refused on TCP routes until someone decides otherwise. (A
 * TCP route's consistent-hash key is always the client address, as nginx's
 * stream `hash $remote_addr consistent`, so hashKey is not among them.)
 */
export const tcpRouteSettings = ['proxyProtocol', 'retries', 'connectTimeoutMs', 'idleTimeoutMs', 'healthCheck', ...l4HealthAndLimitSettings] as const;

const tcpAllowed: ReadonlySet<string> = new Set(tcpRouteSettings);

/**
 * The settings a UDP route has. No connect to time or retry (a UDP socket
 * "connects" locally), so neither connectTimeoutMs nor retries: a session
 * whose backend answers with ICMP port unreachable moves to another backend
 * for its next datagram. Its own: udpResponses (nginx's proxy_responses) and
 * the probe datagram and expected reply of healthCheck=udp.
 */
export const udpRouteSettings = ['idleTimeoutMs', 'udpResponses', 'healthCheck', 'healthSend', 'healthExpect', ...l4HealthAndLimitSettings] as const;

const udpAllowed: ReadonlySet<string> = new Set(udpRouteSettings);
/** What only a UDP route uses; refused elsewhere rather than stored and ignored. */
const udpOnly: ReadonlySet<string> = new Set(['udpResponses', 'healthSend', 'healthExpect']);

/**
 * What only TCP and TLS routes use, refused elsewhere unless off: the PROXY
 * protocol header is written once per backend connection, and an HTTP
 * route's pooled connections carry many clients' requests (nor is there a
 * connection under a UDP session).
 */
function streamOnlyIssue(key: string, value: unknown, prefix: string): KindIssue | undefined {
  if (key !== 'proxyProtocol' || value === 'off') return undefined;
  return { field: `${prefix}${key}`, message: 'proxyProtocol applies to TCP and TLS passthrough routes only, whose backend connections each carry one client. Leave it out.' };
}

export interface KindIssue {
  /** Dotted path of the input field at fault. */
  field: string;
  message: string;
}

/** A TCP route's, or a TLS passthrough route's (`label`): both relay bytes to tcp:// backends. */
function tcpSettingsIssues(settings: Record<string, unknown>, prefix: string, label: string): KindIssue[] {
  const issues: KindIssue[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || value === null) continue;
    if (udpOnly.has(key)) {
      issues.push({ field: `${prefix}${key}`, message: `${key} applies to UDP routes only. Leave it out.` });
    } else if (!tcpAllowed.has(key)) {
      issues.push({ field: `${prefix}${key}`, message: `${key} applies to HTTP routes only: a ${label} route relays bytes without reading them. Leave it out.` });
    } else if (key === 'healthCheck' && value !== 'tcp' && value !== 'off') {
      const other = value === 'udp' ? 'a UDP check needs a UDP route' : 'an HTTP check needs an HTTP route';
      issues.push({ field: `${prefix}${key}`, message: `A ${label} route checks its backends with a TCP connect (healthCheck=tcp) or not at all (off); ${other}.` });
    }
  }
  return issues;
}

function udpSettingsIssues(settings: Record<string, unknown>, prefix: string): KindIssue[] {
  const issues: KindIssue[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || value === null) continue;
    const streamOnly = streamOnlyIssue(key, value, prefix);
    if (streamOnly) issues.push(streamOnly);
    else if (key === 'proxyProtocol') continue;
    else if (!udpAllowed.has(key)) {
      const what = key === 'retries' || key === 'connectTimeoutMs' ? 'connections: UDP has none to make' : 'HTTP routes only: a UDP route relays datagrams without reading them';
      issues.push({ field: `${prefix}${key}`, message: `${key} applies to ${what}. Leave it out.` });
    } else if (key === 'healthCheck' && value !== 'udp' && value !== 'off') {
      issues.push({
        field: `${prefix}${key}`,
        message: 'A UDP route checks its backends with a probe datagram (healthCheck=udp, with healthSend and healthExpect) or not at all (off): UDP has no connection to check.',
      });
    }
  }
  return issues;
}

function httpSettingsIssues(settings: Record<string, unknown>, prefix: string): KindIssue[] {
  const issues: KindIssue[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || value === null) continue;
    const streamOnly = streamOnlyIssue(key, value, prefix);
    if (streamOnly) issues.push(streamOnly);
    else if (udpOnly.has(key) || (key === 'healthCheck' && value === 'udp')) {
      issues.push({ field: `${prefix}${key}`, message: `${key === 'healthCheck' ? 'healthCheck=udp' : key} applies to UDP routes only. Leave it out.` });
    }
  }
  return issues;
}

/** What a route's settings (or a backend's health overrides) may not hold for its kind; empty when they are fine. */
export function settingsIssues(kind: RouteKind, settings: Record<string, unknown> | undefined, prefix: string): KindIssue[] {
  const given = settings ?? {};
  if (kind === 'tcp' || kind === 'tls') return tcpSettingsIssues(given, prefix, kindWords[kind].label);
  if (kind === 'udp') return udpSettingsIssues(given, prefix);
  return httpSettingsIssues(given, prefix);
}

/** Whether a backend URL fits a route of this kind, and the sentence when it does not. */
export function backendKindIssue(kind: RouteKind, url: string): string | undefined {
  const scheme = routeKindOf(url);
  // A TLS passthrough route relays TCP to servers that speak TLS themselves.
  const wanted = kind === 'tls' ? 'tcp' : kind;
  if (scheme === wanted) return undefined;
  if (kind === 'http') {
    return `An HTTP route's backends are http:// or https:// URLs; ${url} belongs behind a ${kindWords[scheme as ListenKind].label} route (switchyard route add ${scheme}://127.0.0.1:PORT --backend ${url}).`;
  }
  const { label, backendPort } = kindWords[kind];
  const what = kind === 'tls' ? 'tcp:// URLs of servers that speak TLS themselves' : `${kind}:// URLs`;
  return `A ${label} route's backends are ${what}, for example ${wanted}://127.0.0.1:${backendPort}; ${url} is not one.`;
}

/**
 * Where a TCP or UDP route's defaults differ from an HTTP route's. TCP: a
 * database client keeps pooled connections idle for minutes, so silence is
 * cut after nginx stream's `proxy_timeout` default (10 min), not
 * proxy_read_timeout's 60 s. UDP: a session holds a socket and a slot of
 * maxConnections, and a client that sends each query from a new port (DNS
 * resolvers do) leaves a session behind per query, so 10 min would fill the
 * table; 60 s is Envoy's udp_proxy idle_timeout default and between Linux
 * conntrack's 30 s (one-way) and 120 s (replied) UDP timeouts. UDP has no
 * connect to probe, so checks are off until a probe datagram is set
 * (healthCheck=udp); status says so rather than show the backend up.
 */
export const kindSettingDefaults: Record<RouteKind, { idleTimeoutMs?: number; healthCheck?: 'off' }> = {
  http: {},
  tcp: { idleTimeoutMs: 600_000 },
  tls: { idleTimeoutMs: 600_000 },
  udp: { idleTimeoutMs: 60_000, healthCheck: 'off' },
};

/** A TCP or UDP route takes everything sent to its address: it has no path prefix. */
export const pathIssue = (kind: RouteKind, path: string): string | undefined =>
  kind === 'http' || path === '/' ? undefined : `A ${kindWords[kind].label} route has no path prefix (${path}): it takes every ${kindWords[kind].unit} to its address.`;
