import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, startCore, tempDir } from '../helpers/core';
import { rawExchange, statuses } from '../helpers/raw';

/** What the backend saw of each request, as JSON in the body. */
interface Seen {
  url: string;
  host: string;
  forwardedHost: string;
}

describe('request targets and Host headers are normalised where the request is parsed', () => {
  const dir = tempDir();
  let core: Core;
  let other: TestBackend;
  let wrong: TestBackend;
  let ipv6: TestBackend;
  const echo = (name: string) =>
    startBackend(name, (req, res) => {
      req.resume();
      res.end(JSON.stringify({ url: req.url, host: req.headers.host, forwardedHost: req.headers['x-forwarded-host'] }));
    });
  const send = (head: string) => rawExchange(proxyPort(core), `${head}Connection: close\r\n\r\n`);
  const seenIn = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Seen;

  beforeAll(async () => {
    [other, wrong, ipv6] = await Promise.all([echo('other'), echo('wrong'), echo('ipv6')]);
    core = await startCore(dir.path);
    await must(core.run('routes.create', { host: 'other.example', backends: [{ url: other.url }] }));
    await must(core.run('routes.create', { host: 'wrong.localhost', backends: [{ url: wrong.url }] }));
    await must(core.run('routes.create', { host: '[0:0::1]', backends: [{ url: ipv6.url }] }));
  });
  afterAll(async () => {
    await core.stop();
    await Promise.all([other.close(), wrong.close(), ipv6.close()]);
    dir.remove();
  });

  it('an absolute-form target is routed by its authority, which replaces Host, and forwarded as origin-form', async () => {
    const { text } = await send('GET http://other.example:8080/x?y=1 HTTP/1.1\r\nHost: wrong.localhost\r\n');
    expect(statuses(text)).toEqual([200]);
    expect(seenIn(text)).toEqual({ url: '/x?y=1', host: 'other.example:8080', forwardedHost: 'other.example:8080' });
    expect(wrong.requests).toHaveLength(0);
  });

  it('an absolute-form target without a path asks for /, scheme and host in any case', async () => {
    const { text } = await send('GET HTTP://Other.Example HTTP/1.1\r\nHost: wrong.localhost\r\n');
    expect(statuses(text)).toEqual([200]);
    expect(seenIn(text)).toMatchObject({ url: '/', host: 'Other.Example' });
  });

  it('an HTTP/1.0 absolute-form request without Host gets one from the target', async () => {
    const { text } = await send('GET http://other.example/ HTTP/1.0\r\n');
    expect(statuses(text)).toEqual([200]);
    expect(seenIn(text)).toMatchObject({ url: '/', host: 'other.example' });
  });

  it.each([
    ['GET ftp://other.example/x HTTP/1.1\r\nHost: other.example\r\n', /ftp: request target cannot be proxied/],
    ['GET http://me@other.example/x HTTP/1.1\r\nHost: other.example\r\n', /user information/],
    ['GET http:///x HTTP/1.1\r\nHost: other.example\r\n', /no host/],
    ['GET http://other.example:abc/x HTTP/1.1\r\nHost: other.example\r\n', /has an invalid port/],
    ['GET x HTTP/1.1\r\nHost: other.example\r\n', /must be a path starting with \//],
    ['GET / HTTP/1.1\r\nHost: other.example:abc\r\n', /The Host header "other.example:abc" has an invalid port/],
    ['GET / HTTP/1.1\r\nHost: other.example:65536\r\n', /invalid port/],
    ['GET / HTTP/1.1\r\nHost: ::1\r\n', /invalid port/],
    ['GET / HTTP/1.1\r\nHost: [nope]\r\n', /no valid IPv6 address/],
  ])('%j gets 400 and reaches no backend', async (head, why) => {
    const before = other.requests.length + ipv6.requests.length;
    const { text, closed } = await send(head);
    expect(statuses(text)).toEqual([400]);
    expect(text).toMatch(why);
    expect(closed).toBe(true);
    expect(other.requests.length + ipv6.requests.length).toBe(before);
  });

  it('an empty port is valid (RFC 9110 §7.2: port = *DIGIT)', async () => {
    const { text } = await send('GET / HTTP/1.1\r\nHost: other.example:\r\n');
    expect(statuses(text)).toEqual([200]);
  });

  it('Host: [::1]:PORT reaches the route whose host is [::1], however either is spelled', async () => {
    for (const host of [`[::1]:${proxyPort(core)}`, '[0000::1]']) {
      const { text } = await send(`GET /v6 HTTP/1.1\r\nHost: ${host}\r\n`);
      expect(statuses(text)).toEqual([200]);
      expect(seenIn(text)).toMatchObject({ url: '/v6', host });
    }
    const { text } = await send(`GET http://[::1]:${proxyPort(core)}/abs HTTP/1.1\r\nHost: other.example\r\n`);
    expect(seenIn(text)).toMatchObject({ url: '/abs', host: `[::1]:${proxyPort(core)}` });
    expect(ipv6.requests).toHaveLength(3);
  });
});
