import { ipv6Literal } from '../../../../shared/ip-literal';

const ipv4Loopback = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const port = /^:\d*$/;
const maxPort = 65535;

/** Names that never leave this machine: localhost and *.localhost (RFC 6761 §6.3), 127.0.0.0/8 and [::1]. */
export function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || ipv4Loopback.test(host);
}

export type ParsedHost = { host: string } | { error: string };

/**
 * A Host header (or the authority of an absolute-form target), checked
 * against RFC 9110 §7.2 — uri-host [ ":" port ], port = *DIGIT, so
 * `demo.localhost:` is valid and `demo.localhost:abc` is not — and reduced
 * to what routing compares: lower case, without port or trailing dot, an
 * IPv6 literal in its canonical `[::1]` form. Routing ignores the port, as
 * nginx's server_name does.
 */
export function parseHost(value: string, what = 'The Host header'): ParsedHost {
  // Most requests name the host the one before them named (a keep-alive connection's, a busy route's): that answer again.
  if (last !== undefined && value === last.value && what === last.what) return last.parsed;
  const parsed = parseHostNow(value, what);
  last = { value, what, parsed };
  return parsed;
}

/** parseHost's last question and answer (answers are never changed by their callers). */
let last: { value: string; what: string; parsed: ParsedHost } | undefined;

function parseHostNow(value: string, what: string): ParsedHost {
  const text = value.toLowerCase();
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const literal = end === -1 ? undefined : ipv6Literal(text.slice(1, end));
    if (literal === undefined) return { error: `${what} ${JSON.stringify(value)} has no valid IPv6 address in its [ ].` };
    host = literal;
    rest = text.slice(end + 1);
  } else {
    const colon = text.indexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    rest = colon === -1 ? '' : text.slice(colon);
    if (host.endsWith('.')) host = host.slice(0, -1);
  }
  if (rest !== '' && (!port.test(rest) || Number(rest.slice(1)) > maxPort)) {
    return { error: `${what} ${JSON.stringify(value)} has an invalid port: a port is a number from 0 to ${maxPort}.` };
  }
  return { host };
}

/** The path of an origin-form request target, without query. */
export function pathFromTarget(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
