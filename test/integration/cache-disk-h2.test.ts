import type http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must } from '../helpers/core';
import { h2Request, withH2Session } from '../helpers/h2-proxy';

// The disk cache behind HTTP/2: a body sent from its file through the h2
// response writer, small (checked whole first) and large (streamed, with
// the stream's flow control as backpressure), and a HEAD from the index.

const largeBytes = 3 * 1024 * 1024;

describe('HTTP cache on disk over HTTP/2', () => {
  let core: Core;
  let session: http2.ClientHttp2Session;
  const backend = withH2Session((proxy) => ({ core, session } = proxy));

  it('hits small and large bodies from their files, and HEAD from the index', async () => {
    const large = Buffer.alloc(largeBytes, 0x6c);
    const app = await backend('h2disk', (req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' });
      res.end(req.url === '/large' ? large : `served ${req.url}`);
    });
    await must(core.run('routes.create', { host: 'h2disk.localhost', settings: { cache: true, cacheStorage: 'disk', healthCheck: 'off' }, backends: [{ url: app.url }] }));
    const authority = 'h2disk.localhost';
    for (const path of ['/small', '/large']) {
      const miss = await h2Request(session, authority, path);
      expect(miss.headers['cache-status']).toBe('Switchyard; fwd=uri-miss; fwd-status=200; stored');
    }
    const small = await h2Request(session, authority, '/small');
    expect(small.body.toString()).toBe('served /small');
    expect(small.headers['cache-status']).toMatch(/^Switchyard; hit; ttl=/);
    const big = await h2Request(session, authority, '/large');
    expect(big).toMatchObject({ status: 200, ended: true });
    expect(big.body.equals(large)).toBe(true);
    expect(big.headers['cache-status']).toMatch(/^Switchyard; hit; ttl=/);
    const head = await h2Request(session, authority, '/large', { method: 'HEAD' });
    expect(head.headers['cache-status']).toMatch(/^Switchyard; hit/);
    expect(head.headers['content-length']).toBe(String(largeBytes));
    expect(head.body.length).toBe(0);
    expect(app.requests).toHaveLength(2);
  });
});
