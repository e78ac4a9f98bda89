import type http2 from 'node:http2';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must } from '../helpers/core';
import { h2Request, withH2Session } from '../helpers/h2-proxy';

// The data plane's guarantees do not depend on the client's protocol: the
// Exchange behind an h2 stream compresses, limits, sticks and times out as it
// does behind an HTTP/1 connection.

describe('the data plane over HTTP/2', () => {
  let core: Core;
  let session: http2.ClientHttp2Session;
  const backend = withH2Session((proxy) => ({ core, session } = proxy));

  it('compresses a text answer for a client that accepts gzip', async () => {
    const text = 'hello h2 '.repeat(500);
    const app = await backend('text', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(text);
    });
    await must(core.run('routes.create', { host: 'zip.localhost', settings: { compression: true }, backends: [{ url: app.url }] }));
    const answer = await h2Request(session, 'zip.localhost', '/', { headers: { 'accept-encoding': 'gzip' } });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(answer.body).toString()).toBe(text);
  });

  it('rate limits per client with 429 and Retry-After', async () => {
    const app = await backend('limited');
    await must(core.run('routes.create', { host: 'limited.localhost', settings: { rateLimitRps: 1, rateLimitBurst: 2 }, backends: [{ url: app.url }] }));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await h2Request(session, 'limited.localhost'));
    expect(statuses.map((a) => a.status)).toEqual([200, 200, 429, 429]);
    expect(Number(statuses[2]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('sticky sessions: the cookie set over h2 keeps the client on its backend', async () => {
    const a = await backend('a');
    const b = await backend('b');
    await must(core.run('routes.create', { host: 'sticky.localhost', settings: { sticky: 'cookie' }, backends: [{ url: a.url }, { url: b.url }] }));
    const first = await h2Request(session, 'sticky.localhost');
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toMatch(/^switchyard_sticky=/);
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add((await h2Request(session, 'sticky.localhost', '/', { headers: { cookie: ['theme=dark', cookie] } })).body.toString());
    expect([...names]).toEqual([first.body.toString()]);
  });

  it('a backend that sends no response headers in time gets a 502 that says so', async () => {
    const silent = await backend('silent', (req) => req.resume());
    await must(core.run('routes.create', { host: 'silent.localhost', settings: { responseHeaderTimeoutMs: 150, retries: 0 }, backends: [{ url: silent.url }] }));
    const answer = await h2Request(session, 'silent.localhost');
    expect(answer.status).toBe(502);
    expect(answer.body.toString()).toMatch(/no response headers within 150 ms/);
  });
});
