const ipv6Characters = /^[0-9a-f:.]+$/i;

/**
 * `[::1]` for any spelling of an IPv6 address (`0:0:0:0:0:0:0:1`, upper
 * case), undefined for anything else. The one canonical form (RFC 5952, as
 * WHATWG URL serialises it) lets a stored route host and a request's Host
 * header meet; URL rather than node:net's isIPv6 because this runs in the
 * preload and renderer too. Zone ids (`%eth0`) and IPvFuture are refused.
 */
export function ipv6Literal(inside: string): string | undefined {
  // Only address characters reach the URL parser, so nothing else in the
  // text (`]`, `@`, `/`) can change what it parses.
  if (!ipv6Characters.test(inside)) return undefined;
  try {
    return new URL(`http://[${inside}]/`).hostname;
  } catch {
    return undefined;
  }
}
