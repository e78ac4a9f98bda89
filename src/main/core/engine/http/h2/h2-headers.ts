import type { OutgoingHttpHeaders } from 'node:http2';
import { parseHost } from '../host-header';

// HTTP/2 header blocks to and from the proxy's protocol-neutral messages.
// nghttp2 (inside node:http2) already refuses most malformed requests with
// RST_STREAM PROTOCOL_ERROR before a stream reaches us; these checks are the
// proxy's own statement of RFC 9113 §8.2–8.3, so no future Node or a
// session option turning its checks off lets such a request reach a backend.

/** A request the proxy cannot take: `reset` means malformed (RFC 9113 §8.1.1: a stream error of type PROTOCOL_ERROR), else answered with `status`. */
export interface H2HeadError {
  reset: boolean;
  status: number;
  message: string;
}

export interface H2RequestHead {
  method: string;
  /** `:path`: origin-form, or `*` for OPTIONS. */
  path: string;
  /** What routing compares (see parseHost); empty when the request named no authority. */
  host: string;
  /** Upstream headers: `host` (from `:authority`) first, then the regular fields, cookies joined into one. */
  rawHeaders: string[];
  /** By lower-case name; repeated fields joined with `, ` (cookies with `; `). */
  headers: Record<string, string>;
  /** The body's announced length, when the client gave a valid Content-Length. */
  contentLength: number | undefined;
}

// RFC 9113 §8.2.2: these describe one HTTP/1 connection and make an HTTP/2
// message malformed; TE is allowed with the single value "trailers".
const connectionSpecific = new Set(['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade']);
const requestPseudo = new Set([':method', ':scheme', ':authority', ':path']);
/** RFC 9110 §5.1 token, lower case only (RFC 9113 §8.2.1: an uppercase name is malformed). */
const lowerToken = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** Methods are case-sensitive tokens (RFC 9110 §9.1). */
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9113 §8.2.1: no NUL, CR or LF anywhere, no whitespace at either end. */
const badValue = /[\0\r\n]|^[ \t]|[ \t]$/;
const digits = /^\d+$/;
const space = 0x20;
const del = 0x7f;

/**
 * Whether `path` has a byte the HTTP/1 parser refuses in a request target
 * (head-parser's targetChar: visible ASCII or obs-text only): a space would
 * end the upstream request line early, a control byte no backend reads the
 * same way.
 */
function hasBadTargetByte(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= space || c === del) return true;
  }
  return false;
}

const malformed = (message: string): { error: H2HeadError } => ({ error: { reset: true, status: 400, message } });
const refused = (status: number, message: string): { error: H2HeadError } => ({ error: { reset: false, status, message } });

/** RFC 9113 §6.5.2: a header list's size counts each field's name and value plus 32 octets. */
const fieldOverhead = 32;

/**
 * Checks a request's header block (node:http2's flat raw list, in the order
 * received) and turns it into what the proxy forwards: `:authority` becomes
 * Host (RFC 9113 §8.3.1), cookies are joined with `; ` (§8.2.3) since an
 * HTTP/1.1 backend expects one Cookie line. A list over `maxBytes` gets the
 * 431 an HTTP/1 head over the limit gets: node:http2 applies the
 * SETTINGS_MAX_HEADER_LIST_SIZE it advertised only once the client has
 * acknowledged it, and clients send their first requests before that.
 */
export function translateRequestHeaders(raw: readonly string[], maxBytes: number): H2RequestHead | { error: H2HeadError } {
  let size = 0;
  for (let i = 0; i < raw.length; i += 2) size += raw[i]!.length + raw[i + 1]!.length + fieldOverhead;
  if (size > maxBytes) return refused(431, `The request's header list is larger than ${maxBytes} bytes.`);
  const pseudo: Record<string, string> = {};
  const rawHeaders: string[] = ['host', ''];
  const headers: Record<string, string> = {};
  let cookieAt = -1;
  let regularSeen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (badValue.test(value)) return malformed(`The ${name} field's value has a control character or surrounding whitespace.`);
    if (name.startsWith(':')) {
      // §8.3: pseudo-headers come first, each once, and only the defined ones.
      if (regularSeen) return malformed(`The pseudo-header ${name} came after a regular header field.`);
      if (!requestPseudo.has(name)) return malformed(`${name} is not a request pseudo-header (extended CONNECT is not supported).`);
      if (pseudo[name] !== undefined) return malformed(`The pseudo-header ${name} appeared twice.`);
      pseudo[name] = value;
      continue;
    }
    regularSeen = true;
    if (!lowerToken.test(name)) return malformed(`The header name ${JSON.stringify(name)} is not a lower-case token.`);
    if (connectionSpecific.has(name)) return malformed(`The connection-specific header ${name} is not allowed in HTTP/2.`);
    if (name === 'te' && value !== 'trailers') return malformed('TE may only be "trailers" in HTTP/2.');
    const prior = headers[name];
    if (name === 'cookie') {
      if (cookieAt === -1) {
        cookieAt = rawHeaders.length;
        rawHeaders.push(name, value);
      } else rawHeaders[cookieAt + 1] += `; ${value}`;
      headers.cookie = prior === undefined ? value : `${prior}; ${value}`;
      continue;
    }
    headers[name] = prior === undefined ? value : `${prior}, ${value}`;
    // Host travels as the first entry; a second one would be a duplicate Host upstream.
    if (name !== 'host') rawHeaders.push(name, value);
  }
  return finish(pseudo, rawHeaders, headers);
}

function finish(pseudo: Record<string, string>, rawHeaders: string[], headers: Record<string, string>): H2RequestHead | { error: H2HeadError } {
  const method = pseudo[':method'];
  if (method === undefined) return malformed('The request has no :method.');
  if (!token.test(method)) return malformed(`The method ${JSON.stringify(method)} is not a token.`);
  if (method === 'CONNECT') return refused(405, 'Switchyard is a reverse proxy: CONNECT tunnels are not supported.');
  const scheme = pseudo[':scheme'];
  const path = pseudo[':path'];
  // §8.3.1: every request but CONNECT carries :scheme and a non-empty :path.
  if (scheme === undefined || scheme === '') return malformed('The request has no :scheme.');
  if (path === undefined || path === '') return malformed('The request has no :path.');
  if (!path.startsWith('/') && !(path === '*' && method === 'OPTIONS')) {
    return malformed('The :path must start with /, or be * for OPTIONS.');
  }
  // It becomes the upstream request line: the same bytes as an HTTP/1 target, whatever nghttp2 lets through.
  if (hasBadTargetByte(path)) return malformed('The :path has a space, a control character or DEL; percent-encode them.');
  const authority = pseudo[':authority'];
  const hostField = headers.host;
  // §8.3.1: a Host naming another entity than :authority makes the request malformed.
  if (authority !== undefined && hostField !== undefined && authority !== hostField) {
    return malformed(`The Host header ${JSON.stringify(hostField)} differs from :authority ${JSON.stringify(authority)}.`);
  }
  const hostValue = authority ?? hostField;
  // §8.3.1: :authority MUST NOT include the deprecated userinfo subcomponent.
  if (hostValue?.includes('@')) return refused(400, 'The :authority has user information (user@host); send the host without it.');
  const parsed = parseHost(hostValue ?? '', authority === undefined ? 'The Host header' : 'The :authority');
  if ('error' in parsed) return refused(400, parsed.error);
  let contentLength: number | undefined;
  const length = headers['content-length'];
  if (length !== undefined) {
    if (!digits.test(length)) return malformed(`The Content-Length ${JSON.stringify(length)} is not a number.`);
    contentLength = Number(length);
  }
  if (hostValue === undefined) rawHeaders.splice(0, 2);
  else {
    rawHeaders[1] = hostValue;
    headers.host = hostValue;
  }
  return { method, path, host: parsed.host, rawHeaders, headers, contentLength };
}

// Never on an HTTP/2 response (RFC 9113 §8.2.2); node:http2 throws rather than send them.
const notOnResponse = new Set([...connectionSpecific, 'te', 'http2-settings']);

// node:http2 throws on a second value for these (its kSingleValueHeaders in
// lib/internal/http2/util.js); a backend that repeats one gets its first
// value through, as a browser would read it.
const singleValue = new Set([
  'access-control-allow-credentials',
  'access-control-max-age',
  'access-control-request-method',
  'age',
  'authorization',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'dnt',
  'etag',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'tk',
  'upgrade-insecure-requests',
  'user-agent',
  'x-content-type-options',
]);

/**
 * The response header block for `status` and a flat [name, value, ...]
 * list: names lower-cased (RFC 9113 §8.2), connection-specific fields left
 * out, repeated fields kept as a list (Set-Cookie each on its own).
 */
export function responseHeaderBlock(status: number, flat: readonly string[]): OutgoingHttpHeaders {
  const block: OutgoingHttpHeaders = Object.create(null) as OutgoingHttpHeaders;
  block[':status'] = status;
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    if (notOnResponse.has(name) || name.startsWith(':')) continue;
    const value = flat[i + 1]!;
    const prior = block[name];
    if (prior === undefined) block[name] = value;
    else if (singleValue.has(name)) continue;
    else if (Array.isArray(prior)) prior.push(value);
    else block[name] = [prior as string, value];
  }
  return block;
}
