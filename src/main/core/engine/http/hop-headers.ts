import { NamesByLength, spells } from './ascii-case';

// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and must not
// be forwarded; the list is Go's httputil.ReverseProxy's, which Caddy uses.
const hopByHop = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Header names listed in Connection: the sender declares them hop-by-hop
 * too. Names that are hop-by-hop anyway are left out, so the usual
 * `Connection: keep-alive` (or `upgrade`) lists nothing and the copy below
 * keeps its fast path.
 */
function connectionTokens(rawHeaders: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 10 || !spells(rawHeaders[i]!, 0, 'connection')) continue;
    const value = rawHeaders[i + 1]!.toLowerCase();
    if (hopByHop.has(value)) continue;
    for (const token of value.split(',')) {
      const name = token.trim();
      if (name && !hopByHop.has(name)) (tokens ??= new Set()).add(name);
    }
  }
  return tokens;
}

// Every name this module or its callers may drop: a header is matched
// against them in place, without lower-casing a copy.
const droppableNames = new NamesByLength(
  [...hopByHop, 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'via', 'host', 'expect', 'content-length', 'x-switchyard-backend'].map((name) => [name, name] as const),
);

/** The droppable name (lower case) that `name` spells in any case, if any. */
const droppable = (name: string): string | undefined => droppableNames.find(name, 0, name.length);

/**
 * Copies `rawHeaders` (Node's flat [name, value, ...] list, which keeps case
 * and repeated headers such as Set-Cookie) without hop-by-hop headers and
 * without any name in `drop` (headers the proxy sets itself; each must be
 * among the droppable names above).
 */
export function stripHopByHop(rawHeaders: readonly string[], drop?: ReadonlySet<string>): string[] {
  const listed = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (listed === undefined) {
      const known = droppable(name);
      if (known === undefined || !(hopByHop.has(known) || drop?.has(known))) out.push(name, rawHeaders[i + 1]!);
      continue;
    }
    const lower = name.toLowerCase();
    if (hopByHop.has(lower) || listed.has(lower) || drop?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  return out;
}
