import { createHash } from 'node:crypto';
import type http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must } from '../helpers/core';
import { h2Request, withH2Session } from '../helpers/h2-proxy';

/** curl waits 1 s for a 100 before sending its body anyway. */
const continueWaitMs = 1_000;

// HTTP/2 clients proxied to HTTP/1.1 backends through the same Exchange as
// HTTP/1 clients: header translation both ways, bodies streamed both ways,
// the proxy's own answers, retries and the traffic record.

describe('HTTP/2 to HTTP/1.1 backends', () => {
  let core: Core;
  let session: http2.ClientHttp2Session;
  const backend = withH2Session((proxy) => ({ core, session } = proxy));

  it(':authority becomes Host, cookies go up as one line, the backend sees no pseudo-headers and learns the scheme was https', async () => {
    const app = await backend('app');
    await must(core.run('routes.create', { host: 'app.localhost', backends: [{ url: app.url }] }));
    const answer = await h2Request(session, 'app.localhost:7443', '/page?x=1', {
      headers: { cookie: ['a=1', 'b=2'], 'x-custom': 'yes' },
    });
    expect(answer).toMatchObject({ status: 200, ended: true, rstCode: 0 });
    expect(answer.body.toString()).toBe('app');
    const seen = app.requests[0]!;
    expect(seen.httpVersion).toBe('1.1');
    expect(seen.url).toBe('/page?x=1');
    expect(seen.headers.host).toBe('app.localhost:7443');
    expect(seen.headers.cookie).toBe('a=1; b=2');
    expect(seen.rawHeaders.filter((_, i) => i % 2 === 0 && seen.rawHeaders[i]!.toLowerCase() === 'cookie')).toHaveLength(1);
    expect(seen.headers['x-custom']).toBe('yes');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-forwarded-host']).toBe('app.localhost:7443');
    expect(seen.rawHeaders.some((name) => name.startsWith(':'))).toBe(false);
  });

  it('connection-specific response headers never reach the h2 client; names are lower case; Set-Cookie stays one per cookie', async () => {
    const app = await backend('app', (req, res) => {
      req.resume();
      res.setHeader('Connection', 'keep-alive, X-Private');
      res.setHeader('Keep-Alive', 'timeout=5');
      res.setHeader('Proxy-Connection', 'keep-alive');
      res.setHeader('Upgrade', 'h2c');
      res.setHeader('X-Private', 'hop');
      res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('X-Mixed-Case', 'kept');
      // No Content-Length: the backend frames the body chunked, which h2 must not announce.
      res.write('chunked ');
      res.end('body');
    });
    await must(core.run('routes.create', { host: 'hop.localhost', backends: [{ url: app.url }] }));
    const answer = await h2Request(session, 'hop.localhost');
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('chunked body');
    for (const name of ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'transfer-encoding', 'x-private']) expect(answer.headers[name]).toBeUndefined();
    expect(answer.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(answer.headers['x-mixed-case']).toBe('kept');
    expect(answer.headers.via).toBe('1.1 switchyard');
  });

  it('a request body streams up and the response streams down before either has ended', async () => {
    const app = await backend('echo', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Echo as it comes: the client only sends its second half once the first came back.
      req.on('data', (chunk: Buffer) => res.write(chunk));
      req.on('end', () => res.end());
    });
    await must(core.run('routes.create', { host: 'echo.localhost', backends: [{ url: app.url }] }));
    const stream = session.request({ ':method': 'POST', ':authority': 'echo.localhost', ':path': '/' });
    const first = Buffer.alloc(64 * 1024, 'a');
    const second = Buffer.alloc(64 * 1024, 'b');
    const received: Buffer[] = [];
    let size = 0;
    const done = new Promise<void>((resolve) => stream.on('end', resolve));
    stream.on('data', (chunk: Buffer) => {
      received.push(chunk);
      size += chunk.length;
      if (size === first.length) stream.end(second);
    });
    stream.write(first);
    await done;
    expect(createHash('sha256').update(Buffer.concat(received)).digest('hex')).toBe(createHash('sha256').update(Buffer.concat([first, second])).digest('hex'));
    // Without a Content-Length the h2 body goes up chunked; its end is END_STREAM.
    expect(app.requests[0]!.headers['transfer-encoding']).toBe('chunked');
  });

  it('a Content-Length the client announced goes up as the framing', async () => {
    const app = await backend('len', (req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(`${req.headers['content-length']}:${n}`));
    });
    await must(core.run('routes.create', { host: 'len.localhost', backends: [{ url: app.url }] }));
    const answer = await h2Request(session, 'len.localhost', '/', { method: 'PUT', headers: { 'content-length': '5' }, body: 'hello' });
    expect(answer.body.toString()).toBe('5:5');
    expect(app.requests[0]!.headers['transfer-encoding']).toBeUndefined();
  });

  it('HEAD and 204 answers are one HEADERS frame with END_STREAM', async () => {
    const app = await backend('empty', (req, res) => {
      req.resume();
      if (req.url === '/none') res.writeHead(204).end();
      else res.writeHead(200, { 'content-length': '3' }).end(req.method === 'HEAD' ? undefined : 'abc');
    });
    await must(core.run('routes.create', { host: 'empty.localhost', backends: [{ url: app.url }] }));
    const head = await h2Request(session, 'empty.localhost', '/', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, ended: true, rstCode: 0 });
    expect(head.headers['content-length']).toBe('3');
    expect(head.body.length).toBe(0);
    const none = await h2Request(session, 'empty.localhost', '/none');
    expect(none).toMatchObject({ status: 204, ended: true, rstCode: 0 });
  });

  it("the proxy's own answers reach h2 clients: the unknown-host page", async () => {
    const answer = await h2Request(session, 'nowhere.localhost', '/', { headers: { accept: 'text/plain' } });
    expect(answer.status).toBe(404);
    expect(answer.body.toString()).toMatch(/no route for nowhere\.localhost\//);
  });

  it('a refused backend is retried on the next one, as for HTTP/1 clients', async () => {
    const dead = await backend('dead');
    await dead.close();
    const alive = await backend('alive');
    await must(core.run('routes.create', { host: 'retry.localhost', backends: [{ url: dead.url }, { url: alive.url }] }));
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await h2Request(session, 'retry.localhost')).body.toString());
    expect([...bodies]).toEqual(['alive']);
  });

  it('the traffic record says HTTP/2 and the TLS version, and keeps the headers the client sent', async () => {
    const app = await backend('rec');
    await must(core.run('routes.create', { host: 'rec.localhost', backends: [{ url: app.url }] }));
    await h2Request(session, 'rec.localhost', '/recorded', { headers: { 'x-trace-me': '1' } });
    const { records } = await must(core.run('traffic.list', {}));
    const record = records.find((r) => r.path === '/recorded');
    expect(record).toMatchObject({ protocol: 'HTTP/2', status: 200, host: 'rec.localhost' });
    expect(record?.tls).toMatch(/^TLSv1\.[23]$/);
    const trace = await must(core.run('traffic.get', { id: record!.id }));
    expect(JSON.stringify(trace)).toContain('x-trace-me');
  });

  it('many streams at once on one connection are each answered', async () => {
    const app = await backend('many', (req, res) => {
      req.resume();
      res.end(req.url);
    });
    await must(core.run('routes.create', { host: 'many.localhost', backends: [{ url: app.url }] }));
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => h2Request(session, 'many.localhost', `/${i}`)));
    expect(answers.map((a) => a.body.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `/${i}`));
  });
  it('Expect: 100-continue gets its 100 at once, so the client sends its body without waiting out its timer', async () => {
    const app = await backend('upload', (req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(String(n)));
    });
    await must(core.run('routes.create', { host: 'expect.localhost', backends: [{ url: app.url }] }));
    const stream = session.request({ ':method': 'PUT', ':authority': 'expect.localhost', ':path': '/', expect: '100-continue' });
    const started = Date.now();
    const continued = await new Promise<boolean>((resolve) => {
      stream.once('continue', () => resolve(true));
      setTimeout(() => resolve(false), continueWaitMs);
    });
    expect(continued).toBe(true);
    expect(Date.now() - started).toBeLessThan(continueWaitMs);
    let body = '';
    stream.on('data', (c: Buffer) => (body += c.toString()));
    stream.end('payload');
    await new Promise((resolve) => stream.on('end', resolve));
    expect(body).toBe('7');
    // The backend never sees Expect: the proxy answered it.
    expect(app.requests[0]!.headers.expect).toBeUndefined();
  });
});
