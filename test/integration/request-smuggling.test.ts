import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, withCore } from '../helpers/core';
import { rawExchange, statuses } from '../helpers/raw';

// The proxy parses strictly so that it never forwards a request the backend
// could frame differently (request smuggling). Each refused request must be
// answered by Switchyard itself, close the connection, and never reach the
// backend.
describe('request smuggling and malformed requests', () => {
  let core: Core;
  let backend: TestBackend;
  withCore((c) => (core = c));

  beforeAll(async () => {
    backend = await startBackend('b');
    await must(core.run('routes.create', { host: 's.localhost', settings: { healthCheck: 'off' }, backends: [{ url: backend.url }] }));
  });
  afterAll(() => backend.close());

  const cases: [string, string, number][] = [
    ['both Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: s.localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['Content-Length headers that disagree', 'POST / HTTP/1.1\r\nHost: s.localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 400],
    ['a Content-Length that is not a number', 'POST / HTTP/1.1\r\nHost: s.localhost\r\nContent-Length: +3\r\n\r\nabc', 400],
    ['a transfer coding other than chunked', 'POST / HTTP/1.1\r\nHost: s.localhost\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['an obs-folded header', 'GET / HTTP/1.1\r\nHost: s.localhost\r\nX-A: 1\r\n 2\r\n\r\n', 400],
    ['a header line ended by a bare LF', 'GET / HTTP/1.1\r\nHost: s.localhost\nX-A: 1\r\n\r\n', 400],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost: s.localhost\r\nTransfer-Encoding : chunked\r\n\r\n', 400],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: s.localhost\r\nHost: other.localhost\r\n\r\n', 400],
    ['no Host on HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['an unsupported HTTP version', 'GET / HTTP/2.0\r\nHost: s.localhost\r\n\r\n', 505],
    ['a CONNECT tunnel', 'CONNECT s.localhost:443 HTTP/1.1\r\nHost: s.localhost:443\r\n\r\n', 405],
  ];

  for (const [what, wire, status] of cases) {
    it(`refuses ${what} with ${status}, closes, and forwards nothing`, async () => {
      const before = backend.requests.length;
      const { text, closed } = await rawExchange(proxyPort(core), wire);
      expect(statuses(text)).toEqual([status]);
      expect(text).toMatch(/\r\nConnection: close\r\n/);
      expect(closed).toBe(true);
      expect(backend.requests.length).toBe(before);
    });
  }

  it('a malformed chunked body after a valid head cuts both connections instead of forwarding a guess', async () => {
    const { text, closed } = await rawExchange(proxyPort(core), 'POST / HTTP/1.1\r\nHost: s.localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
    expect(closed).toBe(true);
    expect(statuses(text)).not.toContain(200);
  });
});
