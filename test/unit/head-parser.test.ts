import { describe, expect, it } from 'vitest';
import { hasToken, parseRequestHead, parseResponseHead, type RequestHead } from '../../src/main/core/engine/http/http1/head-parser';
import { normaliseRequest } from '../../src/main/core/engine/http/http1/request-target';

const req = (text: string, limit = 16 * 1024) => parseRequestHead(Buffer.from(text, 'latin1'), limit);
const errorOf = (text: string) => {
  const parsed = req(text);
  return parsed && 'error' in parsed ? parsed.error.status : parsed ? 'ok' : 'incomplete';
};

describe('request heads', () => {
  it('parses method, target, version, raw and lower-cased headers, and the head size', () => {
    const text = 'GET /a?b=1 HTTP/1.1\r\nHost: x.localhost\r\nX-Thing:  spaced value \t\r\nCookie: a=1\r\ncookie: b=2\r\n\r\nBODY';
    const parsed = req(text);
    expect(parsed && 'head' in parsed).toBe(true);
    if (!parsed || !('head' in parsed)) return;
    expect(parsed.head).toMatchObject({ method: 'GET', target: '/a?b=1', minor: 1 });
    expect(parsed.head.rawHeaders).toEqual(['Host', 'x.localhost', 'X-Thing', 'spaced value', 'Cookie', 'a=1', 'cookie', 'b=2']);
    expect(parsed.head.headers).toEqual({ host: 'x.localhost', 'x-thing': 'spaced value', cookie: 'a=1; b=2' });
    expect(parsed.size).toBe(text.length - 4);
  });

  it('keeps every method as sent: the common ones, others, and a different case (methods are case-sensitive)', () => {
    const methodOf = (method: string) => {
      const parsed = req(`${method} / HTTP/1.1\r\nHost: x\r\n\r\n`);
      return parsed && 'head' in parsed ? parsed.head.method : undefined;
    };
    for (const method of ['GET', 'PUT', 'POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'get', 'Post', 'GETX', 'PUTS', 'PROPFIND', 'M-SEARCH', 'X']) expect(methodOf(method)).toBe(method);
  });

  it('answers header() for the names it notes while parsing exactly as the full record does', () => {
    const parsed = req(
      'GET / HTTP/1.1\r\nHOST: a\r\nConnection: keep-alive\r\nconnection: Upgrade\r\nUpgrade: websocket\r\nVia: 1.1 x\r\nX-Forwarded-For: 1.2.3.4\r\n' +
        'x-forwarded-for: 5.6.7.8\r\nKeep-Alive: timeout=5\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nX-Other: o\r\n\r\n',
    );
    if (!parsed || !('head' in parsed)) throw new Error('not parsed');
    const head = parsed.head;
    expect(head.header('connection')).toBe('keep-alive, Upgrade');
    expect(head.header('x-forwarded-for')).toBe('1.2.3.4, 5.6.7.8');
    const names = ['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'via', 'x-forwarded-for', 'x-other', 'absent'];
    for (const name of names) expect([name, head.header(name)]).toEqual([name, head.headers[name]]);
  });

  it('replaces Host for an absolute-form target in the list, the record and header(), even once the record was built', () => {
    const parsed = req('GET http://b.localhost:81/x HTTP/1.1\r\nhost: a\r\nX-A: 1\r\n\r\n');
    if (!parsed || !('head' in parsed)) throw new Error('not parsed');
    const head: RequestHead = parsed.head;
    expect(head.headers.host).toBe('a');
    expect(normaliseRequest(head)).toEqual({ host: 'b.localhost' });
    expect([head.header('host'), head.headers.host, head.rawHeaders]).toEqual(['b.localhost:81', 'b.localhost:81', ['host', 'b.localhost:81', 'X-A', '1']]);
  });

  it('waits for the blank line, and skips empty lines before the request line', () => {
    expect(errorOf('GET / HTTP/1.1\r\nHost: x\r\n')).toBe('incomplete');
    expect(errorOf('\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('ok');
  });

  it('finds the blank line wherever it falls: in the bytes scanned one by one, across their end, and past it', () => {
    // The first 1,024 bytes are scanned here, the rest by Buffer#indexOf: heads ending on either side and across the seam,
    // after padding of every length modulo 4 (the scan steps by up to four bytes).
    const seam = Array.from({ length: 41 }, (_, i) => 1000 + i);
    for (const end of [40, 41, 42, 43, 100, 300, 700, ...seam, 1500]) {
      const prefix = 'GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ';
      const text = `${prefix}${'p'.repeat(end - prefix.length)}\r\n\r\n`;
      for (const bytes of [text, `${text}NEXT`, `\r\n${text}`]) {
        const parsed = req(bytes);
        expect(parsed && 'head' in parsed && parsed.size, `head ending at ${end}`).toBe(bytes.indexOf('\r\n\r\n') + 4);
      }
      // Short of its blank line by one byte, on either side of the seam: incomplete, never a head.
      expect(errorOf(text.slice(0, -1)), `head ending at ${end}, cut short`).toBe('incomplete');
    }
  });

  it('refuses what could smuggle a request past a backend: obs-fold, bare LF, space before colon, control characters', () => {
    expect(errorOf('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n')).toBe(400);
    expect(errorOf('GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n')).toBe(400);
    expect(errorOf('GET / HTTP/1.1\r\nHost : x\r\n\r\n')).toBe(400);
    expect(errorOf('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n')).toBe(400);
    expect(errorOf('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n')).toBe(400);
    expect(errorOf('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\t\r\n\r\n')).toBe(400);
    // A tab anywhere in it: before the value, inside it, or alone.
    for (const value of ['\tchunked', 'gzip,\tchunked', '\t']) expect(errorOf(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:${value}\r\n\r\n`), value).toBe(400);
    expect(errorOf('GET /a b HTTP/1.1\r\nHost: x\r\n\r\n')).toBe(400);
    expect(errorOf('GET  / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe(400);
  });

  it('needs exactly one Host on HTTP/1.1, and at most one Content-Length', () => {
    expect(errorOf('GET / HTTP/1.1\r\n\r\n')).toBe(400);
    expect(errorOf('GET / HTTP/1.0\r\n\r\n')).toBe('ok');
    expect(errorOf('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')).toBe(400);
    expect(errorOf('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n')).toBe(400);
    expect(errorOf('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n')).toBe(400);
    expect(errorOf('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n')).toBe('ok');
  });

  it('answers 505 for other HTTP versions and 431 for heads over the limit, complete or not', () => {
    expect(errorOf('GET / HTTP/2.0\r\nHost: x\r\n\r\n')).toBe(505);
    expect(errorOf('GET / HTTP/1.2\r\nHost: x\r\n\r\n')).toBe(505);
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(200)}\r\n\r\n`;
    expect(parseRequestHead(Buffer.from(big), 100)).toMatchObject({ error: { status: 431 } });
    expect(parseRequestHead(Buffer.from(big.slice(0, 150)), 100)).toMatchObject({ error: { status: 431 } });
  });
});

describe('response heads', () => {
  it('parses status, reason (possibly empty) and headers', () => {
    const parsed = parseResponseHead(Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'), 1024);
    expect(parsed).toMatchObject({ head: { status: 404, reason: 'Not Found', minor: 1, headers: { 'content-length': '0' } } });
    expect(parseResponseHead(Buffer.from('HTTP/1.0 200\r\n\r\n'), 1024)).toMatchObject({ head: { status: 200, reason: '', minor: 0 } });
    expect(parseResponseHead(Buffer.from('HTTP/1.1 2000 OK\r\n\r\n'), 1024)).toMatchObject({ error: { status: 400 } });
  });
});

describe('hasToken', () => {
  it('finds a token in a comma-separated list, ignoring case and spaces', () => {
    expect(hasToken('keep-alive, Upgrade', 'upgrade')).toBe(true);
    expect(hasToken('Close', 'close')).toBe(true);
    expect(hasToken('closed', 'close')).toBe(false);
    expect(hasToken(undefined, 'close')).toBe(false);
    expect(hasToken('keep-alive,CLOSE', 'close')).toBe(true);
    expect(hasToken(' ,\tclose\t, x', 'close')).toBe(true);
    expect(hasToken('clos, lose, close-it', 'close')).toBe(false);
    expect(hasToken('', 'close')).toBe(false);
    // What String#trim took as spaces before (NBSP is one), so no header reads differently now.
    expect(hasToken('\xa0close', 'close')).toBe(true);
  });
});
