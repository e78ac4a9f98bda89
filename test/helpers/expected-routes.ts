import { expect } from 'vitest';
import type { CommandName } from '../../src/shared/commands';
import { defaultRouteSettings, type Backend, type Route } from '../../src/shared/model';

/**
 * What the store should hold after an accepted command, written from the
 * documented normalisation rather than by calling the schemas: host trimmed,
 * lower-cased, one trailing dot dropped, IPv6 compressed; path with a leading slash and no
 * trailing one; a backend URL as WHATWG URL parsing reads it, port always
 * explicit; header and cookie names lower-cased; text settings trimmed;
 * `null` removes a health override.
 */
type Json = Record<string, unknown>;

/** JSON has no -0 on the way back: a stored -0 reads as 0. */
const number = (value: unknown) => (value === 0 ? 0 : value);

/** IPv6 literals in their one WHATWG (RFC 5952) spelling, as a Host header is reduced to. */
export function expectedHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.startsWith('[') ? new URL(`http://${lower}/`).hostname : lower.replace(/\.$/, '');
}

export function expectedPath(path: string): string {
  const trimmed = path.trim();
  return `/${trimmed.replace(/^\//, '')}`.replace(/\/+$/, '') || '/';
}

export function expectedUrl(raw: string): string {
  const trimmed = raw.trim();
  // No scheme: http, as the schema assumes (`127.0.0.1:3000`).
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  return `${url.protocol}//${url.hostname}:${url.port || defaultPort}`;
}

const headerName = (name: string) => name.trim().toLowerCase();

// Stored percent-encoded as UTF-8, keeping escapes that are already valid (`%41`), like a browser does with a typed URL.
const healthPath = (path: string) =>
  path.trim().replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/gu, (char) => encodeURIComponent(char));

const settingForms: Record<string, (value: unknown) => unknown> = {
  hashKey: (value) => {
    const key = value as { source: string; name?: string };
    return key.name === undefined ? { source: key.source } : { source: key.source, name: headerName(key.name) };
  },
  stickyCookie: (value) => headerName(value as string),
  healthPath: (value) => healthPath(value as string),
  healthStatuses: (value) => (value as string).trim(),
};

export function expectedSettings(patch: Json | undefined): Json {
  return Object.fromEntries(
    Object.entries(patch ?? {}).map(([key, value]) => [key, value === null ? null : (settingForms[key] ?? number)(value)]),
  );
}

/** Overrides merged over the current ones; `null` removes one. */
function expectedHealth(current: Json, change: Json | undefined): Json {
  const merged = { ...current, ...expectedSettings(change) };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== null));
}

function newBackend(routeId: number, sent: Json): Backend {
  return {
    id: expect.any(Number) as number,
    routeId,
    url: expectedUrl(sent.url as string),
    weight: (sent.weight as number | undefined) ?? 1,
    enabled: (sent.enabled as boolean | undefined) ?? true,
    draining: false,
    health: expectedHealth({}, sent.health as Json | undefined),
  };
}

const withBackend = (routes: Route[], id: number, change: (backend: Backend) => Backend | undefined): Route[] =>
  routes.map((route) => ({
    ...route,
    backends: route.backends.flatMap((backend) => {
      if (backend.id !== id) return [backend];
      const changed = change(backend);
      return changed ? [changed] : [];
    }),
  }));

/**
 * The whole list of routes after an accepted write, from the list before,
 * the input as the server parsed it and the id it answered with; undefined
 * for commands that do not write.
 */
export function expectedRoutesAfter(name: CommandName, sent: Json | null, before: Route[], createdId: number): Route[] | undefined {
  // A command without input (demo.start) may be sent null, which reads as {}.
  if (sent === null) return expectedRoutesAfter(name, {}, before, createdId);
  const id = sent.id as number;
  switch (name) {
    case 'routes.create':
      return [
        ...before,
        {
          id: createdId,
          kind: 'http',
          host: expectedHost(sent.host as string),
          path: expectedPath((sent.path as string | undefined) ?? '/'),
          algorithm: (sent.algorithm as Route['algorithm'] | undefined) ?? 'round-robin',
          settings: { ...defaultRouteSettings, ...expectedSettings(sent.settings as Json | undefined) },
          backends: ((sent.backends as Json[] | undefined) ?? []).map((backend) => newBackend(createdId, backend)),
        },
      ];
    case 'routes.update':
      return before.map((route) =>
        route.id !== id
          ? route
          : {
              ...route,
              host: sent.host === undefined ? route.host : expectedHost(sent.host as string),
              path: sent.path === undefined ? route.path : expectedPath(sent.path as string),
              algorithm: (sent.algorithm as Route['algorithm'] | undefined) ?? route.algorithm,
              settings: { ...route.settings, ...expectedSettings(sent.settings as Json | undefined) },
            },
      );
    case 'routes.delete':
      return before.filter((route) => route.id !== id);
    case 'backends.add':
      return before.map((route) =>
        route.id === sent.routeId ? { ...route, backends: [...route.backends, newBackend(route.id, sent)] } : route,
      );
    case 'backends.update':
      return withBackend(before, id, (backend) => ({
        ...backend,
        url: sent.url === undefined ? backend.url : expectedUrl(sent.url as string),
        weight: (sent.weight as number | undefined) ?? backend.weight,
        health: expectedHealth(backend.health, sent.health as Json | undefined),
      }));
    case 'backends.setEnabled':
      return withBackend(before, id, (backend) => ({ ...backend, enabled: sent.enabled as boolean, draining: false }));
    case 'backends.drain':
      return withBackend(before, id, (backend) => ({ ...backend, draining: true }));
    case 'backends.remove':
      return withBackend(before, id, () => undefined);
    // Proxy settings and certificates are not routes: the list stays as it was.
    // The fuzzer's project files name no routes (and do not prune): settings and domains only.
    case 'settings.update':
    case 'certificates.issue':
    case 'certificates.regenerate':
    case 'certificates.remove':
    case 'certificates.setDomains':
    case 'certificates.addDomain':
    case 'certificates.removeDomain':
    case 'project.apply':
      return before;
    // The demo's route, with the id it answered with; its backends' ports are the servers' own, so only their number is known.
    case 'demo.start':
      return [
        ...before,
        {
          id: createdId,
          kind: 'http',
          host: 'demo.localhost',
          path: '/',
          algorithm: 'round-robin',
          settings: expect.objectContaining({ healthCheck: 'http', healthPath: '/health' }) as Route['settings'],
          backends: [1, 2, 3].map(() => expect.objectContaining({ routeId: createdId, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) as string }) as Backend),
        },
      ];
    case 'demo.stop':
      return before.filter((route) => route.host !== 'demo.localhost');
    case 'status':
    case 'backends.live':
    case 'timeline.list':
    case 'traffic.list':
    case 'traffic.get':
    case 'traffic.clear':
    case 'routes.list':
    case 'routes.export':
    case 'routes.history':
    case 'settings.get':
    case 'token.rotate':
    case 'certificates.get':
    case 'certificates.exportCa':
    case 'certificates.trust':
    case 'certificates.installTrust':
    case 'cache.stats':
    case 'cache.purge':
    case 'project.diff':
    case 'project.export':
    case 'hosts.check':
      return undefined;
  }
}

/** Routes keyed by id, so list order (by host, then path) does not matter. */
export const byId = (routes: Route[]) => Object.fromEntries(routes.map((route) => [route.id, route]));
