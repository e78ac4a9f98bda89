import { isIP } from 'node:net';

// Which names the HTTPS listener's certificate for a client's SNI carries,
// decided from the routing table's hosts alone (pure, unit-tested).
//
// An exact route host gets a certificate for itself. A wildcard route
// (`*.app.localhost`, which like nginx's `server_name *.app.localhost`
// matches any depth) gets the wildcard certificate for names one label
// below its suffix, the only depth a `*.` SAN covers (RFC 6125 §6.4.3), as
// Caddy serves a `*.app.localhost` site. Names deeper down, the default
// route `*` and names no route has get none: the listener's default
// certificate answers (localhost and the loopback addresses), so the client
// reports a name mismatch instead of a handshake that hangs or fails without
// a reason, and no client can make the CA write a certificate (key files on
// disk) for a name of its choosing.

export interface HostIndex {
  exact: ReadonlySet<string>;
  /** Wildcard suffixes with their dot (`.app.localhost`), longest first, as routing matches them. */
  wildcardSuffixes: readonly string[];
}

export function hostIndex(hosts: readonly string[]): HostIndex {
  const exact = new Set<string>();
  const wildcardSuffixes: string[] = [];
  for (const host of hosts) {
    if (host === '*') continue;
    if (host.startsWith('*.')) wildcardSuffixes.push(host.slice(1));
    // SNI never carries an address (RFC 6066 §3); IPv6 route hosts are stored bracketed.
    else if (!host.startsWith('[') && isIP(host) === 0) exact.add(host);
  }
  wildcardSuffixes.sort((a, b) => b.length - a.length);
  return { exact, wildcardSuffixes };
}

/** The SAN list for `servername` (already lower case, as Node hands it over), or undefined for the default certificate. */
export function certificateNames(servername: string, index: HostIndex): string[] | undefined {
  const name = servername.toLowerCase().replace(/\.$/, '');
  if (index.exact.has(name)) return [name];
  const suffix = index.wildcardSuffixes.find((s) => name.length > s.length && name.endsWith(s));
  if (suffix === undefined) return undefined;
  const label = name.slice(0, name.length - suffix.length);
  return label.includes('.') ? undefined : [`*${suffix}`];
}

/** The names every route host needs a certificate for, to issue them before the first client asks. */
export function routeCertificateNames(index: HostIndex): string[][] {
  return [...[...index.exact].map((host) => [host]), ...index.wildcardSuffixes.map((suffix) => [`*${suffix}`])];
}
