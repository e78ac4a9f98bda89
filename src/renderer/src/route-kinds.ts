import { routeKinds, settingsIssues, type RouteKind } from '../../shared/route-kind';

// How the UI words each route kind, and which settings it offers for it.
// Built from the kinds in route-kind.ts, so a kind added there shows up in
// the New route dialog and gets its own settings without more work here
// (a kind without words of its own is named by its scheme).

export interface KindWords {
  label: string;
  /** What a route of this kind does, in the New route dialog. */
  does: string;
  /** What names the route: the Host field, or a listen URL. */
  addressLabel: string;
  addressPlaceholder: string;
  addressHint: string;
  backendPlaceholder: string;
  /** Typed without a scheme, a backend gets this one (`127.0.0.1:5432` → `tcp://127.0.0.1:5432`). */
  backendScheme: string;
  /** What one unit of its traffic is called. */
  unit: 'request' | 'connection' | 'session';
}

const known: Partial<Record<RouteKind, KindWords>> = {
  http: {
    label: 'HTTP',
    does: 'Requests for a host name (and path), balanced across web servers.',
    addressLabel: 'Host',
    addressPlaceholder: 'api.myapp.localhost or *.myapp.localhost',
    addressHint: 'Exact, *.wildcard, or * for every other host.',
    backendPlaceholder: 'http://127.0.0.1:3000',
    backendScheme: 'http',
    unit: 'request',
  },
  tcp: {
    label: 'TCP',
    does: 'Every connection to a port of its own, relayed as bytes (Postgres, Redis, any protocol).',
    addressLabel: 'Listen URL',
    addressPlaceholder: 'tcp://127.0.0.1:15432',
    addressHint: 'The address and port clients connect to; localhost means 127.0.0.1.',
    backendPlaceholder: 'tcp://127.0.0.1:5432',
    backendScheme: 'tcp',
    unit: 'connection',
  },
  udp: {
    label: 'UDP',
    does: 'Datagrams to a port of its own, each client kept on one backend per session (DNS, game servers).',
    addressLabel: 'Listen URL',
    addressPlaceholder: 'udp://127.0.0.1:15353',
    addressHint: 'The address and port clients send to.',
    backendPlaceholder: 'udp://127.0.0.1:5353',
    backendScheme: 'udp',
    unit: 'session',
  },
  tls: {
    label: 'TLS passthrough',
    does: 'TLS connections chosen by the server name they ask for, relayed without decrypting.',
    addressLabel: 'Listen URL and server name',
    addressPlaceholder: 'tls://127.0.0.1:18443/db.localhost',
    addressHint: 'Routes on one port share it; /*.name for names one label down, /* for the rest.',
    backendPlaceholder: 'tcp://127.0.0.1:8443',
    backendScheme: 'tcp',
    unit: 'connection',
  },
};

export function kindWords(kind: RouteKind): KindWords {
  return (
    known[kind] ?? {
      label: kind.toUpperCase(),
      does: `A ${kind.toUpperCase()} route on a port of its own.`,
      addressLabel: 'Listen URL',
      addressPlaceholder: `${kind}://127.0.0.1:PORT`,
      addressHint: 'The address and port clients connect to.',
      backendPlaceholder: `${kind}://127.0.0.1:PORT`,
      backendScheme: kind,
      unit: 'connection',
    }
  );
}

/** Every kind the core knows, HTTP first. */
export const kindsOffered: readonly RouteKind[] = routeKinds;

/** L4 kinds relay connections or datagrams: no method, path, status or cache. */
export const isL4 = (kind: RouteKind): boolean => kind !== 'http';

const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i;

/** What the user typed, with the kind's scheme in front when it has none: `127.0.0.1:15432` means tcp://127.0.0.1:15432 on the TCP tab. */
export function withScheme(text: string, scheme: string): string {
  const trimmed = text.trim();
  return trimmed === '' || hasScheme.test(trimmed) ? trimmed : `${scheme}://${trimmed}`;
}

/** A value that no kind refuses for its worth alone, so only whether the kind has the setting is asked. */
function probe(key: string): unknown {
  if (key === 'proxyProtocol') return 'v1';
  if (key === 'healthCheck') return 'off';
  return 1;
}

/** Whether a route of this kind has the setting (the core's own rule, route-kind.ts's settingsIssues). */
export function settingApplies(kind: RouteKind, key: string): boolean {
  return settingsIssues(kind, { [key]: probe(key) }, '').length === 0;
}

/** The health checks a kind can run, as the core allows them. */
export function healthChecksFor(kind: RouteKind, choices: readonly string[]): string[] {
  return choices.filter((choice) => settingsIssues(kind, { healthCheck: choice }, '').length === 0);
}
