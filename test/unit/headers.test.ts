import { describe, expect, it } from 'vitest';
import { stripHopByHop } from '../../src/main/core/engine/hop-headers';
import { hostFromHeader, pathFromTarget } from '../../src/main/core/engine/host-header';

describe('Host header parsing', () => {
  it.each([
    ['Demo.Localhost:7800', 'demo.localhost'],
    ['demo.localhost.', 'demo.localhost'],
    ['[::1]:7800', '[::1]'],
    ['127.0.0.1', '127.0.0.1'],
    [undefined, ''],
  ])('%j → %j', (header, host) => {
    expect(hostFromHeader(header)).toBe(host);
  });

  it.each([
    ['/api/x?y=1', '/api/x'],
    ['http://demo.localhost:7800/a?b', '/a'],
    ['http://demo.localhost', '/'],
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

  it('drops headers the proxy sets itself', () => {
    expect(stripHopByHop(['X-Forwarded-Proto', 'https', 'A', 'b'], new Set(['x-forwarded-proto']))).toEqual(['A', 'b']);
  });
});
