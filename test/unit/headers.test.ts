import { describe, expect, it } from 'vitest';
import { stripHopByHop } from '../../src/main/core/engine/http/hop-headers';
import { isLoopbackName, parseHost, pathFromTarget } from '../../src/main/core/engine/http/host-header';

describe('Host header parsing', () => {
  it.each([
    ['Demo.Localhost:7800', 'demo.localhost'],
    ['demo.localhost.', 'demo.localhost'],
    ['demo.localhost:', 'demo.localhost'],
    ['[::1]:7800', '[::1]'],
    ['[0:0:0:0:0:0:0:1]', '[::1]'],
    ['[::FFFF:127.0.0.1]:80', '[::ffff:7f00:1]'],
    ['127.0.0.1', '127.0.0.1'],
    ['', ''],
  ])('%j routes as %j', (header, host) => {
    expect(parseHost(header)).toEqual({ host });
  });

  it.each(['demo.localhost:abc', 'demo.localhost:65536', 'demo.localhost:80:80', 'demo.localhost: 80', '::1', '[::1', '[::1]x', '[not-ip]', '[fe80::1%eth0]', '[::1]@evil'])(
    '%j is refused',
    (header) => {
      expect(parseHost(header)).toHaveProperty('error', expect.stringContaining(JSON.stringify(header)));
    },
  );

  it('answers a repeated question as the first time, and a new one (value or wording) anew', () => {
    // parseHost remembers its last answer: it must never hand it to another question.
    const bad = 'demo.localhost:abc';
    expect(parseHost(bad)).toHaveProperty('error', expect.stringContaining('The Host header'));
    expect(parseHost(bad, "The request target's host")).toHaveProperty('error', expect.stringContaining("The request target's host"));
    expect(parseHost(bad, "The request target's host")).toHaveProperty('error', expect.stringContaining("The request target's host"));
    expect(parseHost('A.localhost')).toEqual({ host: 'a.localhost' });
    expect(parseHost('A.localhost')).toEqual({ host: 'a.localhost' });
    expect(parseHost('b.localhost')).toEqual({ host: 'b.localhost' });
    expect(parseHost(bad)).toHaveProperty('error', expect.stringContaining('The Host header'));
  });

  it.each([
    ['localhost', true],
    ['api.myapp.localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['myapp.test', false],
    ['evil.example', false],
    ['localhost.evil.example', false],
    ['', false],
  ])('%j is a loopback name: %j', (host, loopback) => {
    expect(isLoopbackName(host)).toBe(loopback);
  });

  it.each([
    ['/api/x?y=1', '/api/x'],
    ['/', '/'],
    ['*', '*'],
  ])('path of %j is %j', (target, path) => {
    expect(pathFromTarget(target)).toBe(path);
  });
});

describe('hop-by-hop headers', () => {
  it('drops the standard list and anything named in Connection, keeping case and repeats', () => {
    const raw = [
      'Host', 'a', 'Connection', 'keep-alive, X-Secret', 'Keep-Alive', 'timeout=5', 'X-Secret', '1',
      'Transfer-Encoding', 'chunked', 'TE', 'trailers', 'Upgrade', 'h2c', 'Proxy-Authorization', 'x',
      'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Kept', 'yes',
    ];
    expect(stripHopByHop(raw)).toEqual(['Host', 'a', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Kept', 'yes']);
  });

  it('drops a name listed in Connection even when other listed names are hop-by-hop anyway', () => {
    expect(stripHopByHop(['Connection', 'Keep-Alive', 'Keep-Alive', 'timeout=5', 'Close', 'x', 'X-Kept', 'yes'])).toEqual(['Close', 'x', 'X-Kept', 'yes']);
    expect(stripHopByHop(['Connection', 'upgrade, Close', 'Close', 'x', 'X-Kept', 'yes'])).toEqual(['X-Kept', 'yes']);
  });

  it('drops headers the proxy sets itself', () => {
    expect(stripHopByHop(['X-Forwarded-Proto', 'https', 'A', 'b'], new Set(['x-forwarded-proto']))).toEqual(['A', 'b']);
  });

  it('matches names in any case, and keeps names that only share a length or first letter with a dropped one', () => {
    // No names listed in Connection: each name is compared in place with the droppable names of its length.
    const raw = ['CONNECTION', 'keep-alive', 'kEEp-AlIvE', 'timeout=5', 'te', 'trailers', 'tE', 'x', 'Date', 'd', 'Te', 'y', 'Tf', 'kept'];
    expect(stripHopByHop(raw)).toEqual(['Date', 'd', 'Tf', 'kept']);
    const mine = new Set(['via', 'x-forwarded-for', 'content-length']);
    expect(stripHopByHop(['VIA', '1.1 a', 'Vim', 'v', 'X-FORWARDED-FOR', '1.2.3.4', 'X-Forwarded-Fox', 'f', 'Content-length', '3', 'Content-Lengths', 'z'], mine)).toEqual([
      'Vim',
      'v',
      'X-Forwarded-Fox',
      'f',
      'Content-Lengths',
      'z',
    ]);
  });
});
