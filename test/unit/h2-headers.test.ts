import { describe, expect, it } from 'vitest';
import { responseHeaderBlock, translateRequestHeaders, type H2RequestHead } from '../../src/main/core/engine/http/h2/h2-headers';

const get = (authority: string, path = '/', extra: string[] = []) => [':method', 'GET', ':scheme', 'https', ':authority', authority, ':path', path, ...extra];

const limit = 16 * 1024;

function translated(raw: string[]): H2RequestHead {
  const result = translateRequestHeaders(raw, limit);
  if ('error' in result) throw new Error(result.error.message);
  return result;
}

describe('HTTP/2 request headers become what an HTTP/1.1 backend expects', () => {
  it(':authority becomes Host (first), routing takes its name without port, lower case', () => {
    const head = translated(get('API.Test.localhost:7443', '/x?y=1', ['accept', 'text/html']));
    expect(head).toMatchObject({ method: 'GET', path: '/x?y=1', host: 'api.test.localhost', contentLength: undefined });
    expect(head.rawHeaders).toEqual(['host', 'API.Test.localhost:7443', 'accept', 'text/html']);
    expect(head.headers.host).toBe('API.Test.localhost:7443');
  });

  it('cookies sent as separate fields are joined with "; " into one (RFC 9113 §8.2.3)', () => {
    const head = translated(get('a.localhost', '/', ['cookie', 'a=1', 'accept', '*/*', 'cookie', 'b=2', 'cookie', 'c=3']));
    expect(head.rawHeaders).toEqual(['host', 'a.localhost', 'cookie', 'a=1; b=2; c=3', 'accept', '*/*']);
    expect(head.headers.cookie).toBe('a=1; b=2; c=3');
  });

  it('other repeated fields stay separate lines upstream and are joined with ", " for lookups', () => {
    const head = translated(get('a.localhost', '/', ['x-tag', 'one', 'x-tag', 'two']));
    expect(head.rawHeaders).toEqual(['host', 'a.localhost', 'x-tag', 'one', 'x-tag', 'two']);
    expect(head.headers['x-tag']).toBe('one, two');
  });

  it('a Host field without :authority is used, and one equal to :authority is not sent twice', () => {
    const noAuthority = translated([':method', 'GET', ':scheme', 'https', ':path', '/', 'host', 'b.localhost']);
    expect(noAuthority.host).toBe('b.localhost');
    expect(noAuthority.rawHeaders).toEqual(['host', 'b.localhost']);
    expect(translated(get('b.localhost', '/', ['host', 'b.localhost'])).rawHeaders).toEqual(['host', 'b.localhost']);
  });

  it('a request with no authority at all routes as one without Host (the unknown-host page says so)', () => {
    const head = translated([':method', 'GET', ':scheme', 'https', ':path', '/']);
    expect(head.host).toBe('');
    expect(head.rawHeaders).toEqual([]);
  });

  it('Content-Length is the announced body length; OPTIONS * is allowed', () => {
    expect(translated([':method', 'POST', ':scheme', 'https', ':authority', 'a.localhost', ':path', '/up', 'content-length', '42']).contentLength).toBe(42);
    expect(translated([':method', 'OPTIONS', ':scheme', 'https', ':authority', 'a.localhost', ':path', '*']).path).toBe('*');
  });

  it('a :path keeps every visible character and obs-text, as an HTTP/1 target may', () => {
    const path = "/a/b?c=d&e=%20#f!$'()*+,;=:@~\x80\xff";
    expect(translated(get('a.localhost', path)).path).toBe(path);
  });

  it('te: trailers is allowed (RFC 9113 §8.2.2)', () => {
    expect(translated(get('a.localhost', '/', ['te', 'trailers'])).headers.te).toBe('trailers');
  });
});

describe('malformed HTTP/2 requests are stream errors (RFC 9113 §8.1.1, §8.2, §8.3)', () => {
  it.each([
    ['an uppercase name', get('a.localhost', '/', ['X-Upper', '1'])],
    ['Connection', get('a.localhost', '/', ['connection', 'keep-alive'])],
    ['Keep-Alive', get('a.localhost', '/', ['keep-alive', '5'])],
    ['Proxy-Connection', get('a.localhost', '/', ['proxy-connection', 'keep-alive'])],
    ['Transfer-Encoding', get('a.localhost', '/', ['transfer-encoding', 'chunked'])],
    ['Upgrade', get('a.localhost', '/', ['upgrade', 'websocket'])],
    ['te other than trailers', get('a.localhost', '/', ['te', 'gzip'])],
    ['no :method', [':scheme', 'https', ':authority', 'a.localhost', ':path', '/']],
    ['no :scheme', [':method', 'GET', ':authority', 'a.localhost', ':path', '/']],
    ['an empty :scheme', [':method', 'GET', ':scheme', '', ':authority', 'a.localhost', ':path', '/']],
    ['no :path', [':method', 'GET', ':scheme', 'https', ':authority', 'a.localhost']],
    ['an empty :path', get('a.localhost', '')],
    ['a :path not starting with /', get('a.localhost', 'x')],
    ['* for a GET', get('a.localhost', '*')],
    ['a repeated pseudo-header', [...get('a.localhost'), ':path', '/again']],
    ['a pseudo-header after a regular field', [':method', 'GET', 'accept', '*/*', ':scheme', 'https', ':authority', 'a.localhost', ':path', '/']],
    ['an unknown pseudo-header', [...get('a.localhost').slice(0, 8), ':status', '200']],
    ['extended CONNECT (:protocol)', [':method', 'CONNECT', ':protocol', 'websocket', ':scheme', 'https', ':authority', 'a.localhost', ':path', '/']],
    ['a value with CR LF', get('a.localhost', '/', ['x-a', 'b\r\nx-injected: 1'])],
    ['a value with NUL', get('a.localhost', '/', ['x-a', 'b\0c'])],
    ['a value with leading whitespace', get('a.localhost', '/', ['x-a', ' b'])],
    ['a value with trailing whitespace', get('a.localhost', '/', ['x-a', 'b\t'])],
    ['a name with a space', get('a.localhost', '/', ['x a', 'b'])],
    ['a non-numeric Content-Length', get('a.localhost', '/', ['content-length', '1, 1'])],
    ['a Host that differs from :authority', get('a.localhost', '/', ['host', 'evil.localhost'])],
    ['a method that is not a token', [':method', 'G T', ':scheme', 'https', ':authority', 'a.localhost', ':path', '/']],
    // What would end or bend the upstream request line; the HTTP/1 parser refuses the same bytes in a target.
    ['a :path with a space', get('a.localhost', '/a b HTTP/1.1')],
    ['a :path with a tab', get('a.localhost', '/a\tb')],
    ['a :path with a control character', get('a.localhost', '/a\x01b')],
    ['a :path with a unit separator (0x1f)', get('a.localhost', '/a\x1fb')],
    ['a :path with DEL', get('a.localhost', '/a\x7fb')],
  ])('%s resets the stream', (_what, raw) => {
    const result = translateRequestHeaders(raw, limit);
    expect('error' in result && result.error.reset).toBe(true);
  });

  it.each([
    ['CONNECT', [':method', 'CONNECT', ':authority', 'a.localhost:443'], 405],
    ['userinfo in :authority', get('user@a.localhost'), 400],
    ['a port that is not a number', get('a.localhost:abc'), 400],
  ])('%s is answered %d, saying why', (_what, raw, status) => {
    const result = translateRequestHeaders(raw, limit);
    expect('error' in result && { reset: result.error.reset, status: result.error.status }).toEqual({ reset: false, status });
  });
});

describe('the header list limit', () => {
  it('counts names and values plus 32 octets a field (RFC 9113 §6.5.2) and answers 431 over it', () => {
    const base = get('a.localhost');
    const baseSize = base.reduce((sum, text) => sum + text.length, 0) + (base.length / 2) * 32;
    const fits = [...base, 'x-fill', 'f'.repeat(limit - baseSize - 'x-fill'.length - 32)];
    expect('error' in translateRequestHeaders(fits, limit)).toBe(false);
    const over = translateRequestHeaders([...fits.slice(0, -1), `${fits.at(-1)}f`], limit);
    expect('error' in over && over.error).toMatchObject({ reset: false, status: 431 });
  });
});

describe('response headers for an HTTP/2 client', () => {
  it('names are lower-cased, connection-specific fields never sent, Set-Cookie kept one per cookie', () => {
    const block = responseHeaderBlock(200, [
      'Content-Type', 'text/plain',
      'Connection', 'keep-alive',
      'Keep-Alive', 'timeout=5',
      'Proxy-Connection', 'close',
      'Transfer-Encoding', 'chunked',
      'Upgrade', 'h2c',
      'TE', 'trailers',
      'Set-Cookie', 'a=1',
      'Set-Cookie', 'b=2',
      'X-Custom', 'yes',
    ]);
    expect({ ...block }).toEqual({ ':status': 200, 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'x-custom': 'yes' });
  });

  it('a field node:http2 allows once keeps its first value instead of failing the response', () => {
    expect(responseHeaderBlock(200, ['Content-Type', 'text/html', 'content-type', 'text/plain'])['content-type']).toBe('text/html');
  });

  it('a pseudo-header from the list is never passed on (only :status is ours to set)', () => {
    expect(responseHeaderBlock(204, [':path', '/x'])).toEqual({ ':status': 204 });
  });
});
