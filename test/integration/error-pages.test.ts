import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { freePort, must, proxyPort, request, startCore, tempDir, withCore } from '../helpers/core';

describe('error pages', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('404 for an unknown host lists the configured hosts, as HTML for browsers and text for curl', async () => {
    await must(core.run('routes.create', { host: 'api.myapp.localhost', backends: [] }));
    await must(core.run('routes.create', { host: '*.myapp.localhost', backends: [] }));
    const text = await request(proxyPort(core), 'nope.localhost', '/x');
    expect(text.status).toBe(404);
    expect(text.headers['content-type']).toMatch(/text\/plain/);
    expect(text.body).toContain('nope.localhost/x');
    expect(text.body).toContain('api.myapp.localhost');
    expect(text.body).toContain('*.myapp.localhost');

    const html = await request(proxyPort(core), '<script>.localhost', '/', { headers: { accept: 'text/html' } });
    expect(html.status).toBe(404);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain(`href="http://api.myapp.localhost:${proxyPort(core)}/"`);
    expect(html.body).not.toContain('<script>');
  });

  it('502 with an explanation when the backend refuses the connection', async () => {
    const port = await freePort();
    await must(core.run('routes.create', { host: 'down.localhost', backends: [{ url: `http://127.0.0.1:${port}` }] }));
    const res = await request(proxyPort(core), 'down.localhost');
    expect(res.status).toBe(502);
    expect(res.body).toContain(`http://127.0.0.1:${port}`);
    expect(res.body).toMatch(/connection refused/);
  });

  it('HEAD gets the status without a body', async () => {
    const res = await request(proxyPort(core), 'nope.localhost', '/', { method: 'HEAD' });
    expect(res.status).toBe(404);
    expect(res.body).toBe('');
  });
});

describe('HEAD, 204 and 304 carry no body; the default route catches the rest', () => {
  const dir = tempDir();
  let core: Core;
  let server: import('node:http').Server;
  beforeAll(async () => {
    const http = await import('node:http');
    server = http.createServer((req, res) => {
      if (req.url === '/204') return res.writeHead(204).end();
      if (req.url === '/304') return res.writeHead(304, { etag: '"v1"' }).end();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' });
      res.end(req.method === 'HEAD' ? undefined : 'hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    core = await startCore(dir.path);
    await must(core.run('routes.create', { host: '*', backends: [{ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }] }));
  });
  afterAll(async () => {
    await core.stop();
    server.close();
    dir.remove();
  });

  it('HEAD keeps Content-Length and sends no body', async () => {
    const res = await request(proxyPort(core), 'whatever.example', '/', { method: 'HEAD' });
    expect(res).toMatchObject({ status: 200, body: '' });
    expect(res.headers['content-length']).toBe('5');
  });

  it('204 and 304 pass through without a body, on a connection that stays usable', async () => {
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await request(proxyPort(core), 'x.localhost', '/204', { agent })).toMatchObject({ status: 204, body: '' });
    const notModified = await request(proxyPort(core), 'x.localhost', '/304', { agent, headers: { 'if-none-match': '"v1"' } });
    expect(notModified).toMatchObject({ status: 304, body: '' });
    expect(notModified.headers.etag).toBe('"v1"');
    expect(await request(proxyPort(core), 'x.localhost', '/', { agent })).toMatchObject({ status: 200, body: 'hello' });
    agent.destroy();
  });
});
