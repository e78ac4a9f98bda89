// HTTP/1.x message heads (RFC 9112 §2-§5), parsed strictly. A proxy more
// lenient than the server behind it invites request smuggling, so anything
// llhttp's strict mode or nginx refuses is refused here too: obs-fold, bare
// LF, whitespace before the colon, control characters in values, a second
// Host or Content-Length. test/integration/parser-differential checks that
// nothing passes here that Node's llhttp would refuse.

export interface MessageHead {
  /** HTTP/1.minor. */
  readonly minor: 0 | 1;
  /** [name, value, ...] as sent: case and repeats kept. */
  readonly rawHeaders: string[];
  /**
   * Every header by lower-cased name, repeats joined with ", " (Cookie with
   * "; "). Built on first use: what every message is asked for goes through
   * header(), which the parser answers without it.
   */
  readonly headers: Record<string, string>;
  /** A header's value by lower-case name (repeats joined), as in `headers`. */
  header(name: string): string | undefined;
  /**
   * The head as received (start line and header lines, latin1). Every
   * string above is a slice of it, so keeping this one string for a trace
   * costs nothing more; headersOfHead reads it back.
   */
  readonly text: string;
}

export interface RequestHead extends MessageHead {
  readonly method: string;
  target: string;
  /** Sets the Host header to `authority`, in place of (or, for HTTP/1.0, in addition to) the client's. */
  replaceHost(authority: string): void;
}

export interface ResponseHead extends MessageHead {
  readonly status: number;
  readonly reason: string;
}

export interface HeadError {
  /** The status a server answers with. */
  status: 400 | 431 | 505;
  message: string;
}

/** A complete head and the bytes it took (terminating blank line included). */
export type Parsed<T> = { head: T; size: number } | { error: HeadError } | undefined;

import { latin1Text } from '../../traffic/latin1-copy';
import { spells } from '../ascii-case';
import { Hot, hotHeader, ParsedHead, ParsedRequestHead, ParsedResponseHead } from './parsed-head';

const endOfHead = Buffer.from('\r\n\r\n');

// The grammar is checked by scanning each line's characters once against a
// class table, not with a regular expression per line: a regex match
// allocates an array and a string per group, and split() a string per line:
// parsing the two heads of a proxied request was 12% of its CPU that way
// (--cpu-prof under wrk behind nginx's `return 200`).
// The classes are RFC 9110's: tchar for methods and field names, and for
// field values and reasons any byte but controls other than HTAB (obs-text
// included, as llhttp allows); request targets are visible ASCII or obs-text.
const tokenChar = 1;
const valueChar = 2;
const targetChar = 4;
const charClass = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const visible = (c > 0x20 && c < 0x7f) || c >= 0x80;
  if (visible) charClass[c]! |= valueChar | targetChar;
  if (c === 0x09 || c === 0x20) charClass[c]! |= valueChar;
}
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") charClass[c.charCodeAt(0)]! |= tokenChar;

const space = 32;
const tab = 9;
const colon = 58;
const digit0 = 48;
const digit9 = 57;

const fail = (status: HeadError['status'], message: string) => ({ error: { status, message } });

/** Empty lines before a request line are ignored (RFC 9112 §2.2): some clients send a CRLF after a body. */
function skipEmptyLines(buf: Buffer): number {
  let at = 0;
  while (buf[at] === 13 && buf[at + 1] === 10) at += 2;
  return at;
}

/**
 * Head bytes searched for the blank line here before Buffer#indexOf takes over: most heads end within them (a
 * request from wrk, curl or a browser, a dev server's answer), and reaching indexOf's native search through its
 * argument checks costs more than the scan below over that many bytes (0.3 µs a call, --cpu-prof under wrk).
 */
const scannedHeadBytes = 1024;

/**
 * Where the first CR LF CR LF at or after `start` begins, or -1. Each step looks at the last byte of a
 * four-byte window: a byte that is neither CR nor LF (most of a head) cannot be in the blank line, so the
 * window moves past it by four; a CR moves it by one, and an LF that does not end the blank line by two
 * (it may be the blank line's first LF).
 */
function headEnd(buf: Buffer, start: number): number {
  const scanned = Math.min(buf.length, start + scannedHeadBytes);
  let at = start + 3;
  while (at < scanned) {
    const c = buf[at];
    if (c === 10) {
      if (buf[at - 1] === 13 && buf[at - 2] === 10 && buf[at - 3] === 13) return at - 3;
      at += 2;
    } else at += c === 13 ? 1 : 4;
  }
  // Past the scanned bytes: windows from the first one not yet looked at in full.
  return scanned < start + scannedHeadBytes ? -1 : buf.indexOf(endOfHead, scanned - 3);
}

function locateHead(buf: Buffer, start: number, limit: number, what: 'request' | 'response'): { text: string; size: number } | { error: HeadError } | undefined {
  const end = headEnd(buf, start);
  const tooLarge = end < 0 ? buf.length - start > limit : end + 4 - start > limit;
  if (tooLarge) return fail(431, `The ${what} head is larger than ${limit} bytes.`);
  if (end < 0) return undefined;
  return { text: latin1Text(buf, start, end), size: end + 4 };
}

/** Where the line starting at `from` ends (its CR), or the end of the head text for the last line. */
function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\r\n', from);
  return end < 0 ? text.length : end;
}

/** Index of the first character at or after `from` (before `end`) that is not of `kind`. */
function scan(text: string, from: number, end: number, kind: number): number {
  let at = from;
  while (at < end && (charClass[text.charCodeAt(at)]! & kind) !== 0) at++;
  return at;
}

const isDigit = (code: number) => code >= digit0 && code <= digit9;
/** Optional whitespace around a field value (RFC 9110 §5.6.3). */
const isWhitespace = (code: number) => code === space || code === tab;

function malformedLine(text: string, from: number, end: number): HeadError {
  return { status: 400, message: `Malformed header line: ${JSON.stringify(text.slice(from, Math.min(end, from + 60)))}.` };
}

/**
 * Header lines from `from` to the end of the text: name, colon, optional
 * whitespace, a value of field characters, optional whitespace (trimmed).
 * A CR that does not end a line, a bare LF or any other control character
 * fails the value check, which is how obs-fold and bare LF are refused.
 */
function parseHeaderLines(text: string, from: number, head: ParsedHead): HeadError | undefined {
  const length = text.length;
  let at = from;
  while (at < length) {
    const nameEnd = scan(text, at, length, tokenChar);
    // A line that is all name (no colon, or the line ends) fails here too: CR and the text's end are not a colon.
    if (nameEnd === at || text.charCodeAt(nameEnd) !== colon) return malformedLine(text, at, lineEnd(text, at));
    let valueStart = nameEnd + 1;
    while (valueStart < length && isWhitespace(text.charCodeAt(valueStart))) valueStart++;
    // The value runs to the first byte that is no field character: the line's CR, or what makes the line malformed.
    const end = scan(text, valueStart, length, valueChar);
    // Only CR LF (or the end of the head) ends a line: a bare CR or LF, or any other control character, is refused.
    if (end < length && (text.charCodeAt(end) !== 13 || text.charCodeAt(end + 1) !== 10)) return malformedLine(text, at, lineEnd(text, at));
    let valueEnd = end;
    while (valueEnd > valueStart && isWhitespace(text.charCodeAt(valueEnd - 1))) valueEnd--;
    const value = text.slice(valueStart, valueEnd);
    head.rawHeaders.push(text.slice(at, nameEnd), value);
    const hot = hotHeader(text, at, nameEnd);
    at = end + 2;
    if (hot === Hot.None) continue;
    // llhttp refuses a tab in Transfer-Encoding; a backend behind us may too,
    // or read the coding differently, so it never passes.
    if (hot === Hot.TransferEncoding && text.lastIndexOf('\t', end - 1) > nameEnd) return { status: 400, message: 'Transfer-Encoding contains a tab.' };
    if (hot === Hot.Host && head.host !== undefined) return { status: 400, message: 'The request has more than one Host header.' };
    // Even two equal ones: llhttp and nginx refuse a repeated Content-Length.
    if (hot === Hot.ContentLength && head.contentLength !== undefined) return { status: 400, message: 'The message has more than one Content-Length header.' };
    head.note(hot, value);
  }
  return undefined;
}

/** `HTTP/d.d` at `at`, ending the line at `end`: the version's two digits (as char codes), or undefined. */
function requestVersion(text: string, at: number, end: number): [number, number] | undefined {
  if (end - at !== 8 || !text.startsWith('HTTP/', at) || text.charCodeAt(at + 6) !== 46 /* . */) return undefined;
  const major = text.charCodeAt(at + 5);
  const minor = text.charCodeAt(at + 7);
  return isDigit(major) && isDigit(minor) ? [major - digit0, minor - digit0] : undefined;
}

// The methods nearly every request uses, as constants: the common request's
// method is then no new string, and the traffic record's copy of it is the
// constant (nginx's ngx_http_parse_request_line matches them the same way).
// Methods are case-sensitive (RFC 9110 §9.1), so `get` stays a method of its own.
const methodsByLength: string[][] = [];
for (const method of ['GET', 'PUT', 'POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS']) (methodsByLength[method.length] ??= []).push(method);

function methodOf(text: string, end: number): string {
  const known = methodsByLength[end];
  if (known !== undefined) for (const method of known) if (text.startsWith(method)) return method;
  return text.slice(0, end);
}

/** Parses a request head from the start of `buf`; undefined while incomplete. */
export function parseRequestHead(buf: Buffer, limit: number): Parsed<RequestHead> {
  const start = skipEmptyLines(buf);
  const located = locateHead(buf, start, limit, 'request');
  if (!located || 'error' in located) return located;
  const text = located.text;
  // method SP request-target SP HTTP-version (RFC 9112 §3), single spaces.
  const end = lineEnd(text, 0);
  const methodEnd = scan(text, 0, end, tokenChar);
  if (methodEnd === 0 || text.charCodeAt(methodEnd) !== space) return fail(400, 'Malformed request line.');
  const targetEnd = scan(text, methodEnd + 1, end, targetChar);
  if (targetEnd === methodEnd + 1 || text.charCodeAt(targetEnd) !== space) return fail(400, 'Malformed request line.');
  const version = requestVersion(text, targetEnd + 1, end);
  if (!version) return fail(400, 'Malformed request line.');
  const [major, minor] = version;
  if (major !== 1 || (minor !== 0 && minor !== 1)) return fail(505, `HTTP/${major}.${minor} is not supported; use HTTP/1.1.`);
  const head = new ParsedRequestHead(methodOf(text, methodEnd), text.slice(methodEnd + 1, targetEnd), minor === 1 ? 1 : 0, text);
  const error = parseHeaderLines(text, end + 2, head);
  if (error) return { error };
  if (head.minor === 1 && head.host === undefined) return fail(400, 'An HTTP/1.1 request needs a Host header.');
  return { head, size: located.size };
}

/** Parses a response head from the start of `buf`; undefined while incomplete. */
export function parseResponseHead(buf: Buffer, limit: number): Parsed<ResponseHead> {
  const located = locateHead(buf, 0, limit, 'response');
  if (!located || 'error' in located) return located;
  const text = located.text;
  // HTTP/1.x SP 3DIGIT [ SP reason-phrase ] (RFC 9112 §4; the SP before an empty reason may be missing, as llhttp allows).
  const end = lineEnd(text, 0);
  const minorCode = text.charCodeAt(7);
  const valid =
    end >= 12 &&
    text.startsWith('HTTP/1.', 0) &&
    (minorCode === digit0 || minorCode === digit0 + 1) &&
    text.charCodeAt(8) === space &&
    isDigit(text.charCodeAt(9)) &&
    isDigit(text.charCodeAt(10)) &&
    isDigit(text.charCodeAt(11)) &&
    (end === 12 || (text.charCodeAt(12) === space && scan(text, 13, end, valueChar) === end));
  if (!valid) return fail(400, 'Malformed status line.');
  const head = new ParsedResponseHead(
    (text.charCodeAt(9) - digit0) * 100 + (text.charCodeAt(10) - digit0) * 10 + (text.charCodeAt(11) - digit0),
    end > 13 ? text.slice(13, end) : '',
    minorCode === digit0 + 1 ? 1 : 0,
    text,
  );
  const error = parseHeaderLines(text, end + 2, head);
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

/** Whitespace around a list element, as String#trim drops it within latin1 (values hold no CR or LF). */
const isListSpace = (code: number) => code === space || code === tab || code === 0xa0;

/**
 * Whether a comma-separated header (Connection) lists `token` (lower case),
 * case-insensitively: scanned in place, since it runs for most messages and
 * splitting allocated an array and strings each time.
 */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  let from = 0;
  while (from <= value.length) {
    let end = value.indexOf(',', from);
    if (end < 0) end = value.length;
    let start = from;
    let stop = end;
    while (start < stop && isListSpace(value.charCodeAt(start))) start++;
    while (stop > start && isListSpace(value.charCodeAt(stop - 1))) stop--;
    if (stop - start === token.length && spells(value, start, token)) return true;
    from = end + 1;
  }
  return false;
}
