import { describe, expect, it } from 'vitest';
import { compressedHeaders, negotiateEncoding, shouldCompress } from '../../src/main/core/engine/http/content-encoding';
import { cookieValue } from '../../src/main/core/engine/http/cookies';
import { upstreamTarget } from '../../src/main/core/engine/routing/path-rewrite';
import { mayRetry } from '../../src/main/core/engine/upstream/retries';
import { clientAborted, socketFailure, upstreamFailure } from '../../src/main/core/engine/upstream/failures';
import { TokenBucket } from '../../src/main/core/engine/limits/token-bucket';

describe('token bucket', () => {
  it('allows a burst, then refills at the rate and says how long to wait', () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(500);
    expect(bucket.take(250)).toBe(250);
    expect(bucket.take(500)).toBe(0);
    expect(bucket.isFull(500)).toBe(false);
    expect(bucket.isFull(5_000)).toBe(true);
  });
});

describe('Accept-Encoding negotiation', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['identity', undefined],
    ['*', 'br'],
    ['*;q=0.1, br;q=0', 'gzip'],
    [undefined, undefined],
  ])('%j → %j', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('what gets compressed', () => {
  const base = { method: 'GET', status: 200, contentType: 'application/json', contentEncoding: undefined, contentLength: undefined, cacheControl: undefined };
  it('compresses text and JSON of unknown or large size', () => {
    expect(shouldCompress(base)).toBe(true);
    expect(shouldCompress({ ...base, contentType: 'text/html; charset=utf-8', contentLength: '5000' })).toBe(true);
  });
  it.each([
    ['server-sent events', { contentType: 'text/event-stream' }],
    ['images', { contentType: 'image/png' }],
    ['already encoded', { contentEncoding: 'gzip' }],
    ['tiny bodies', { contentLength: '100' }],
    ['HEAD', { method: 'HEAD' }],
    ['304', { status: 304 }],
    ['no-transform', { cacheControl: 'public, no-transform' }],
  ])('never %s', (_, change) => {
    expect(shouldCompress({ ...base, ...change })).toBe(false);
  });
  it('drops the length, adds the encoding and a single Vary', () => {
    expect(compressedHeaders(['Content-Length', '5000', 'Vary', 'Origin', 'X', 'y'], 'gzip')).toEqual([
      'X', 'y', 'Vary', 'Origin, Accept-Encoding', 'Content-Encoding', 'gzip',
    ]);
    expect(compressedHeaders(['Content-Length', '5000', 'Vary', 'accept-encoding'], undefined)).toEqual([
      'Content-Length', '5000', 'Vary', 'accept-encoding',
    ]);
  });
});

describe('cookies', () => {
  it('finds a cookie by name, unquoting it', () => {
    expect(cookieValue('a=1; switchyard_sticky=abc; b=2', 'switchyard_sticky')).toBe('abc');
    expect(cookieValue('s="quoted"', 's')).toBe('quoted');
    expect(cookieValue('xs=1', 's')).toBeUndefined();
    expect(cookieValue(undefined, 's')).toBeUndefined();
  });
});

describe('prefix stripping', () => {
  it.each([
    ['/api/users?x=1', '/api', true, '/users?x=1'],
    ['/api', '/api', true, '/'],
    ['/api?x', '/api', true, '/?x'],
    ['/api/users', '/api', false, '/api/users'],
    ['/other', '/', true, '/other'],
  ])('%s on %s (strip %s) → %s', (url, prefix, strip, expected) => {
    expect(upstreamTarget(url, prefix, strip)).toBe(expected);
  });
});

describe('retry decisions (nginx proxy_next_upstream error timeout)', () => {
  const reset = upstreamFailure('reset', 'head', 'it closed the connection before answering.');
  const q = { method: 'GET', failure: reset, bodyConsumed: false, responseStarted: false, attempts: 1, retries: 2 };
  it('retries idempotent requests that failed before answering', () => expect(mayRetry(q)).toBe(true));
  it('retries any method when the connection was never made', () =>
    expect(mayRetry({ ...q, method: 'POST', failure: upstreamFailure('refused', 'connect', 'refused.') })).toBe(true));
  it('never retries for a client that broke off its own body', () => expect(mayRetry({ ...q, failure: clientAborted() })).toBe(false));
  it('does not retry POST once sent', () => expect(mayRetry({ ...q, method: 'POST' })).toBe(false));
  it('does not retry once a streamed body was consumed', () => expect(mayRetry({ ...q, method: 'PUT', bodyConsumed: true })).toBe(false));
  it('never retries after the response started', () => expect(mayRetry({ ...q, responseStarted: true })).toBe(false));
  it('stops after the configured retries', () => expect(mayRetry({ ...q, attempts: 3 })).toBe(false));
  it('types socket errors by what happened and how far the exchange got, with Envoy flags', () => {
    const error = (code: string) => Object.assign(new Error(code), { code });
    expect(socketFailure(error('ECONNREFUSED'), 'connect')).toMatchObject({ kind: 'refused', phase: 'connect', flag: 'UF' });
    expect(socketFailure(error('EHOSTUNREACH'), 'connect')).toMatchObject({ kind: 'unreachable', phase: 'connect', flag: 'UF' });
    expect(socketFailure(error('DEPTH_ZERO_SELF_SIGNED_CERT'), 'connect')).toMatchObject({ kind: 'tls', phase: 'connect', flag: 'UF' });
    expect(socketFailure(error('ERR_SSL_WRONG_VERSION_NUMBER'), 'connect')).toMatchObject({ kind: 'tls', flag: 'UF' });
    expect(socketFailure(error('ECONNRESET'), 'head')).toMatchObject({ kind: 'reset', phase: 'head', flag: 'UC' });
    expect(socketFailure(error('ECONNRESET'), 'body')).toMatchObject({ kind: 'reset', phase: 'body', flag: 'UC' });
    expect(upstreamFailure('timeout', 'head', 'slow.')).toMatchObject({ flag: 'UT' });
    expect(upstreamFailure('timeout', 'connect', 'slow.')).toMatchObject({ flag: 'UF' });
    expect(upstreamFailure('protocol', 'head', 'garbage.')).toMatchObject({ flag: 'UPE' });
  });
});
