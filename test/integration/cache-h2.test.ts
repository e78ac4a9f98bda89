import type http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, proxyPort, request } from '../helpers/core';
import { h2Request, withH2Session } from '../helpers/h2-proxy';

// The cache behind the HTTPS listener's HTTP/2: the same seam, another
// response writer; and the scheme keeps http and https apart.

describe('HTTP cache over HTTP/2', () => {
  let core: Core;
  let session: http2.ClientHttp2Session;
  const backend = withH2Session((proxy) => ({ core, session } = proxy));

  it('misses, stores, hits (GET and HEAD), revalidates with a 304; http:// is another URL', async () => {
    let maxAge = 60;
    const app = await backend('h2cache', (req, res) => {
      if (req.headers['if-none-match'] === '"v"') {
        res.writeHead(304, { etag: '"v"', 'cache-control': 'max-age=60' });
        return res.end();
      }
      res.writeHead(200, { 'cache-control': `max-age=${maxAge}`, etag: '"v"', 'content-type': 'text/plain' });
      res.end(`served ${req.url}`);
    });
    await must(core.run('routes.create', { host: 'h2cache.localhost', settings: { cache: true, healthCheck: 'off' }, backends: [{ url: app.url }] }));
    const authority = 'h2cache.localhost';
    const miss = await h2Request(session, authority, '/a');
    expect(miss).toMatchObject({ status: 200, ended: true });
    expect(miss.headers['cache-status']).toBe('Switchyard; fwd=uri-miss; fwd-status=200; stored');
    const hit = await h2Request(session, authority, '/a');
    expect(hit.body.toString()).toBe('served /a');
    expect(hit.headers['cache-status']).toMatch(/^Switchyard; hit; ttl=/);
    const head = await h2Request(session, authority, '/a', { method: 'HEAD' });
    expect(head.headers['cache-status']).toMatch(/^Switchyard; hit/);
    expect(head.body.length).toBe(0);
    expect(app.requests).toHaveLength(1);

    maxAge = 0;
    await h2Request(session, authority, '/stale');
    const revalidated = await h2Request(session, authority, '/stale');
    expect(revalidated.body.toString()).toBe('served /stale');
    expect(revalidated.headers['cache-status']).toMatch(/^Switchyard; fwd=stale; fwd-status=304/);

    // The same URL over plain HTTP is another entry (nginx keys on $scheme too).
    const plain = await request(proxyPort(core), authority, '/a');
    expect(plain.headers['cache-status']).toBe('Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(app.requests).toHaveLength(4);
  });
});
