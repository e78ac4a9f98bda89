// HTTP/1.x message heads (RFC 9112 §2-§5), parsed strictly. A proxy more
// lenient than the server behind it invites request smuggling, so anything
// llhttp's strict mode or nginx refuses is refused here too: obs-fold, bare
// LF, whitespace before the colon, control characters in values, a second
// Host or Content-Length. test/integration/parser-differential checks that
// nothing passes here that Node's llhttp would refuse.

export interface MessageHead {
  /** HTTP/1.minor. */
  minor: 0 | 1;
  /** [name, value, ...] as sent: case and repeats kept. */
  rawHeaders: string[];
  /** Lower-cased names; repeats joined with ", " (Cookie with "; "). */
  headers: Record<string, string>;
  /**
   * The head as received (start line and header lines, latin1). Every
   * string above is a slice of it, so keeping this one string for a trace
   * costs nothing more; headersOfHead reads it back.
   */
  text: string;
}

export interface RequestHead extends MessageHead {
  method: string;
  target: string;
}

export interface ResponseHead extends MessageHead {
  status: number;
  reason: string;
}

export interface HeadError {
  /** The status a server answers with. */
  status: 400 | 431 | 505;
  message: string;
}

/** A complete head and the bytes it took (terminating blank line included). */
export type Parsed<T> = { head: T; size: number } | { error: HeadError } | undefined;

const endOfHead = Buffer.from('\r\n\r\n');
const requestLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e\x80-\xff]+) HTTP\/(\d)\.(\d)$/;
const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
// Control characters in a value are what this pattern exists to refuse.
// eslint-disable-next-line no-control-regex
const headerLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[\t ]*([^\x00-\x08\x0a-\x1f\x7f]*?)[\t ]*$/;

const fail = (status: HeadError['status'], message: string) => ({ error: { status, message } });

/** Empty lines before a request line are ignored (RFC 9112 §2.2): some clients send a CRLF after a body. */
function skipEmptyLines(buf: Buffer): number {
  let at = 0;
  while (buf[at] === 13 && buf[at + 1] === 10) at += 2;
  return at;
}

function locateHead(buf: Buffer, start: number, limit: number, what: 'request' | 'response'): { text: string; size: number } | { error: HeadError } | undefined {
  const end = buf.indexOf(endOfHead, start);
  const tooLarge = end < 0 ? buf.length - start > limit : end + 4 - start > limit;
  if (tooLarge) return fail(431, `The ${what} head is larger than ${limit} bytes.`);
  if (end < 0) return undefined;
  return { text: buf.toString('latin1', start, end), size: end + 4 };
}

function parseHeaderLines(lines: string[], head: MessageHead): HeadError | undefined {
  for (let i = 1; i < lines.length; i++) {
    const match = headerLine.exec(lines[i]!);
    if (!match) return { status: 400, message: `Malformed header line: ${JSON.stringify(lines[i]!.slice(0, 60))}.` };
    const name = match[1]!;
    const value = match[2]!;
    head.rawHeaders.push(name, value);
    const lower = name.toLowerCase();
    // llhttp refuses a tab in Transfer-Encoding; a backend behind us may too,
    // or read the coding differently, so it never passes.
    if (lower === 'transfer-encoding' && lines[i]!.includes('\t')) return { status: 400, message: 'Transfer-Encoding contains a tab.' };
    const prior = head.headers[lower];
    if (prior === undefined) head.headers[lower] = value;
    else if (lower === 'host') return { status: 400, message: 'The request has more than one Host header.' };
    // Even two equal ones: llhttp and nginx refuse a repeated Content-Length.
    else if (lower === 'content-length') return { status: 400, message: 'The message has more than one Content-Length header.' };
    else head.headers[lower] = `${prior}${lower === 'cookie' ? '; ' : ', '}${value}`;
  }
  return undefined;
}

/** Parses a request head from the start of `buf`; undefined while incomplete. */
export function parseRequestHead(buf: Buffer, limit: number): Parsed<RequestHead> {
  const start = skipEmptyLines(buf);
  const located = locateHead(buf, start, limit, 'request');
  if (!located || 'error' in located) return located;
  const lines = located.text.split('\r\n');
  const first = requestLine.exec(lines[0]!);
  if (!first) return fail(400, 'Malformed request line.');
  if (first[3] !== '1' || (first[4] !== '0' && first[4] !== '1')) return fail(505, `HTTP/${first[3]}.${first[4]} is not supported; use HTTP/1.1.`);
  const head: RequestHead = { method: first[1]!, target: first[2]!, minor: first[4] === '1' ? 1 : 0, rawHeaders: [], headers: {}, text: located.text };
  const error = parseHeaderLines(lines, head);
  if (error) return { error };
  if (head.minor === 1 && head.headers.host === undefined) return fail(400, 'An HTTP/1.1 request needs a Host header.');
  return { head, size: located.size };
}

/** Parses a response head from the start of `buf`; undefined while incomplete. */
export function parseResponseHead(buf: Buffer, limit: number): Parsed<ResponseHead> {
  const located = locateHead(buf, 0, limit, 'response');
  if (!located || 'error' in located) return located;
  const lines = located.text.split('\r\n');
  const first = statusLine.exec(lines[0]!);
  if (!first) return fail(400, 'Malformed status line.');
  const head: ResponseHead = { status: Number(first[2]), reason: first[3] ?? '', minor: first[1] === '1' ? 1 : 0, rawHeaders: [], headers: {}, text: located.text };
  const error = parseHeaderLines(lines, head);
  if (error) return { error };
  return { head, size: located.size };
}

/** A head's header lines as [name, value, ...]; the head was parsed strictly when it arrived. */
export function headersOfHead(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    out.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return out;
}

/** Whether a comma-separated header (Connection) lists `token`, case-insensitively. */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  if (value.length === token.length) return value.toLowerCase() === token;
  for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}
