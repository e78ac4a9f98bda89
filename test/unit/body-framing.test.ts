import { describe, expect, it } from 'vitest';
import { ChunkedDecoder, requestFraming, responseFraming } from '../../src/main/core/engine/http/http1/body-framing';
import type { MessageHead } from '../../src/main/core/engine/http/http1/head-parser';

const head = (headers: Record<string, string>, minor: 0 | 1 = 1): MessageHead => ({ minor, rawHeaders: [], headers, header: (name) => headers[name], text: '' });

describe('request framing (RFC 9112 §6.3)', () => {
  it('reads Content-Length and chunked, and treats no header or 0 as no body', () => {
    expect(requestFraming(head({ 'content-length': '12' }))).toEqual({ kind: 'length', length: 12 });
    expect(requestFraming(head({ 'transfer-encoding': 'Chunked' }))).toEqual({ kind: 'chunked' });
    expect(requestFraming(head({}))).toEqual({ kind: 'none' });
    expect(requestFraming(head({ 'content-length': '0' }))).toEqual({ kind: 'none' });
  });

  it('refuses both framings at once, bad lengths, chunked on HTTP/1.0 and codings it cannot decode', () => {
    expect(requestFraming(head({ 'transfer-encoding': 'chunked', 'content-length': '3' }))).toMatchObject({ error: { status: 400 } });
    expect(requestFraming(head({ 'content-length': '-1' }))).toMatchObject({ error: { status: 400 } });
    expect(requestFraming(head({ 'content-length': '1e3' }))).toMatchObject({ error: { status: 400 } });
    expect(requestFraming(head({ 'transfer-encoding': 'chunked' }, 0))).toMatchObject({ error: { status: 400 } });
    expect(requestFraming(head({ 'transfer-encoding': 'gzip, chunked' }))).toMatchObject({ error: { status: 501 } });
  });
});

describe('response framing', () => {
  it('has no body for HEAD, 1xx, 204 and 304 whatever the headers say', () => {
    const withLength = head({ 'content-length': '10' });
    expect(responseFraming('HEAD', 200, withLength)).toEqual({ kind: 'none' });
    expect(responseFraming('GET', 204, withLength)).toEqual({ kind: 'none' });
    expect(responseFraming('GET', 304, withLength)).toEqual({ kind: 'none' });
    expect(responseFraming('GET', 200, withLength)).toEqual({ kind: 'length', length: 10 });
  });

  it('refuses a response carrying both Content-Length and Transfer-Encoding', () => {
    expect(responseFraming('GET', 200, head({ 'transfer-encoding': 'chunked', 'content-length': '3' }))).toMatchObject({ error: {} });
  });

  it('is delimited by the connection closing when neither length nor chunked is given', () => {
    expect(responseFraming('GET', 200, head({}))).toEqual({ kind: 'close' });
    expect(responseFraming('GET', 200, head({ 'transfer-encoding': 'gzip' }))).toEqual({ kind: 'close' });
    expect(responseFraming('GET', 200, head({ 'transfer-encoding': 'gzip, chunked' }))).toEqual({ kind: 'chunked' });
  });
});

function decodeAll(pieces: string[]): { body: string; done: boolean; used: number } {
  const decoder = new ChunkedDecoder();
  let body = '';
  let used = 0;
  for (const piece of pieces) {
    used = decoder.feed(Buffer.from(piece, 'latin1'), 0, (c) => (body += c.toString('latin1')));
    if (decoder.done) break;
  }
  return { body, done: decoder.done, used };
}

describe('chunked decoding', () => {
  it('decodes chunks, extensions and trailers, and stops at the end of the body', () => {
    const wire = '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n';
    expect(decodeAll([`${wire}GET`])).toEqual({ body: 'hello world', done: true, used: wire.length });
  });

  it('decodes the same body however it is split across reads', () => {
    const wire = 'a\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n';
    for (let split = 1; split < wire.length; split++) {
      expect(decodeAll([wire.slice(0, split), wire.slice(split)])).toMatchObject({ body: '0123456789abc', done: true });
    }
  });

  it('throws on malformed framing instead of guessing', () => {
    expect(() => decodeAll(['x\r\n'])).toThrow(/chunk size/);
    expect(() => decodeAll(['5 \r\nhello\r\n0\r\n\r\n'])).toThrow(/chunk size/);
    expect(() => decodeAll(['3\nabc'])).toThrow();
    expect(() => decodeAll(['3\r\nabcd\r\n'])).toThrow(/longer than its size/);
    expect(() => decodeAll(['fffffffffffffff\r\n'])).toThrow(/chunk size/);
    expect(() => decodeAll(['0\r\nX: y\n\r\n'])).toThrow();
  });
});
