// Which TLS passthrough route of one listen address takes a connection, by
// the server name of its ClientHello (pure, unit-tested). As nginx's
// `map $ssl_preread_server_name` with `hostnames` and HAProxy's
// `use_backend ... if { req.ssl_sni ... }` then `default_backend`: an exact
// name first, then a wildcard, then the route named
// `*` for every other hello (no name, an unknown one, not TLS at all, too
// slow). With no `*` route such a connection is closed, as nginx closes a
// stream whose map resolves to no upstream.
//
// A wildcard (`*.db.localhost`) takes names one label below its suffix
// (`a.db.localhost`, not `a.b.db.localhost`), the names a wildcard
// certificate covers (RFC 6125 §6.4.3), as the HTTPS listener certifies them
// (listeners/certificate-names.ts): the backend's own certificate is what
// the client checks, so a deeper name could only end in a name mismatch
// there, and it goes to the default route instead.

export interface SniRoute {
  id: number;
  /** `db.localhost`, `*.db.localhost` or `*`, lower case. */
  serverName: string;
}

export interface SniIndex {
  exact: ReadonlyMap<string, number>;
  /** Wildcard routes by their suffix with its dot (`.db.localhost`). */
  wildcards: ReadonlyMap<string, number>;
  fallback: number | undefined;
}

export const defaultServerName = '*';

export function sniIndex(routes: readonly SniRoute[]): SniIndex {
  const exact = new Map<string, number>();
  const wildcards = new Map<string, number>();
  let fallback: number | undefined;
  for (const { id, serverName } of routes) {
    if (serverName === defaultServerName) fallback = id;
    else if (serverName.startsWith('*.')) wildcards.set(serverName.slice(1), id);
    else exact.set(serverName, id);
  }
  return { exact, wildcards, fallback };
}

/** The route for a hello's server name (undefined: the hello named none, or there was no readable hello). */
export function routeForServerName(index: SniIndex, serverName: string | undefined): number | undefined {
  if (serverName === undefined) return index.fallback;
  const dot = serverName.indexOf('.');
  // One label down: the only wildcard that can take a name is the one for everything after its first label.
  return index.exact.get(serverName) ?? (dot > 0 ? index.wildcards.get(serverName.slice(dot)) : undefined) ?? index.fallback;
}
