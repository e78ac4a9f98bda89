import { ipv6Literal } from './ip-literal';

// Route kinds. An HTTP route is addressed by a host (and path prefix); a TCP
// route by the URL it listens on, `tcp://127.0.0.1:15432`, which is what its
// `host` holds, so every command, list and page that names a route by its
// host names a TCP route by its URL. Kept free of zod so the renderer can use it.

export const routeKinds = ['http', 'tcp'] as const;
export type RouteKind = (typeof routeKinds)[number];

const tcpScheme = /^tcp:\/\//i;

/** The kind a route address (a stored host, or what a user typed) names. */
export const routeKindOf = (address: string): RouteKind => (tcpScheme.test(address.trim()) ? 'tcp' : 'http');

const dottedQuad = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const listenExample = 'for example tcp://127.0.0.1:15432 (or tcp://[::1]:15432)';

/**
 * A TCP route's listen URL in its one stored form, `tcp://127.0.0.1:15432` or
 * `tcp://[::1]:15432`, or the sentence that says what is wrong. It listens on
 * an IP address the user names; `localhost` means 127.0.0.1 (a name could
 * resolve to several addresses, and a listener binds one).
 */
export function parseListenUrl(raw: string): { url: string } | { error: string } {
  const text = raw.trim();
  const match = /^tcp:\/\/(\[[^\]]*\]|[^/:?#[\]]*)(?::(\d*))?\/?$/i.exec(text);
  if (!match) return { error: `A TCP route is a URL with an address and a port and nothing else, ${listenExample}.` };
  const [, rawHost = '', portText] = match;
  const lowerHost = rawHost.toLowerCase();
  const host = lowerHost === 'localhost' ? '127.0.0.1' : lowerHost.startsWith('[') ? ipv6Literal(lowerHost.slice(1, -1)) : lowerHost;
  if (host === undefined || (!host.startsWith('[') && !dottedQuad.test(host))) {
    return { error: `A TCP route listens on an IP address of this machine, ${listenExample}; "${rawHost}" is not one.` };
  }
  if (portText === undefined || portText === '') return { error: `Add the port the TCP route listens on, ${listenExample}.` };
  const port = Number(portText);
  if (port < 1 || port > 65535) return { error: 'A port is a number from 1 to 65535.' };
  return { url: `tcp://${host}:${port}` };
}

/** Where a stored listen URL binds: the address without brackets, and the port. */
export function listenAddressOf(url: string): { address: string; port: number } {
  const at = url.lastIndexOf(':');
  const host = url.slice('tcp://'.length, at);
  return { address: host.replace(/^\[(.*)\]$/, '$1'), port: Number(url.slice(at + 1)) };
}

/**
 * The settings a TCP route has: the rest act on HTTP requests (headers,
 * paths, cookies, statuses, bodies, caching) and a TCP route relays bytes
 * without reading them. A list of what is allowed, so a setting added for
 * HTTP later is refused on TCP routes until someone decides otherwise. (A
 * TCP route's consistent-hash key is always the client address, as nginx's
 * stream `hash $remote_addr consistent`, so hashKey is not among them.)
 */
export const tcpRouteSettings = [
  'retries',
  'connectTimeoutMs',
  'idleTimeoutMs',
  'healthCheck',
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

const tcpAllowed: ReadonlySet<string> = new Set(tcpRouteSettings);

export interface KindIssue {
  /** Dotted path of the input field at fault. */
  field: string;
  message: string;
}

/** What a TCP route's settings (or a backend's health overrides) may not hold; empty when they are fine. */
export function tcpSettingsIssues(settings: Record<string, unknown> | undefined, prefix: string): KindIssue[] {
  const issues: KindIssue[] = [];
  for (const [key, value] of Object.entries(settings ?? {})) {
    if (value === undefined || value === null) continue;
    if (!tcpAllowed.has(key)) {
      issues.push({ field: `${prefix}${key}`, message: `${key} applies to HTTP routes only: a TCP route relays bytes without reading them. Leave it out.` });
    } else if (key === 'healthCheck' && value === 'http') {
      issues.push({ field: `${prefix}${key}`, message: 'A TCP route checks its backends with a TCP connect (healthCheck=tcp) or not at all (off); an HTTP check needs an HTTP route.' });
    }
  }
  return issues;
}

/** Whether a backend URL fits a route of this kind, and the sentence when it does not. */
export function backendKindIssue(kind: RouteKind, url: string): string | undefined {
  const tcp = tcpScheme.test(url);
  if (kind === 'tcp' && !tcp) return `A TCP route's backends are tcp:// URLs, for example tcp://127.0.0.1:5432; ${url} is not one.`;
  if (kind === 'http' && tcp) return `An HTTP route's backends are http:// or https:// URLs; ${url} belongs behind a TCP route (switchyard route add tcp://127.0.0.1:PORT --backend ${url}).`;
  return undefined;
}

/**
 * Where a TCP route's defaults differ from an HTTP route's: a database
 * client keeps pooled connections idle for minutes, so silence is cut after
 * nginx stream's `proxy_timeout` default (10 min), not proxy_read_timeout's 60 s.
 */
export const tcpSettingDefaults = { idleTimeoutMs: 600_000 } as const;

/** A TCP route takes every connection to its address: it has no path prefix. */
export const tcpPathIssue = (path: string): string | undefined =>
  path === '/' ? undefined : `A TCP route has no path prefix (${path}): it takes every connection to its address.`;
