import http2 from 'node:http2';
import WebSocket from 'ws';
import { nextMessage, wsBackend } from '../helpers/ws-backend';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { must, request } from '../helpers/core';
import { httpsRequest } from '../helpers/https-client';
import { withHttpsCore } from '../helpers/https-core';

// The HTTPS listener: every HTTP route over TLS with a certificate from the
// local CA chosen by SNI, a client that trusts only the exported root.

const DAY_MS = 24 * 60 * 60 * 1000;
let clock = Date.now();
let core: Core;
let backend: TestBackend;
let root: string;
let port: number;

withHttpsCore((started) => ({ core, backend, root, port } = started), ['api.test.localhost', 'web.localhost', '*.wild.localhost', 'api.example.com'], {
  handler: (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ proto: req.headers['x-forwarded-proto'], port: req.headers['x-forwarded-port'], host: req.headers.host }));
  },
  options: { now: () => new Date(clock) },
});

describe('HTTPS listener', () => {
  it('serves a route over TLS to a client that trusts only the exported root, and tells the backend', async () => {
    const answer = await httpsRequest(port, 'api.test.localhost', '/x', { ca: root });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ proto: 'https', port: String(port), host: 'api.test.localhost' });
    expect(answer.certificate.subjectaltname).toBe('DNS:api.test.localhost');
    expect(answer.tlsVersion).toBe('TLSv1.3');
    const [record] = (await must(core.run('traffic.list', { limit: 1 }))).records;
    expect(record).toMatchObject({ host: 'api.test.localhost', protocol: 'HTTP/1.1', tls: 'TLSv1.3', status: 200 });
  });

  it('picks the certificate by SNI: each host its own, a wildcard route its wildcard one label down', async () => {
    expect((await httpsRequest(port, 'web.localhost', '/', { ca: root })).certificate.subjectaltname).toBe('DNS:web.localhost');
    expect((await httpsRequest(port, 'a.wild.localhost', '/', { ca: root })).certificate.subjectaltname).toBe('DNS:*.wild.localhost');
    expect((await httpsRequest(port, 'b.wild.localhost', '/', { ca: root })).certificate.subjectaltname).toBe('DNS:*.wild.localhost');
    // Deeper down the wildcard does not reach, and the CA writes no certificate for a name a client picks: the default one answers.
    await expect(httpsRequest(port, 'x.y.wild.localhost', '/', { ca: root })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('answers clients without SNI and names no route has with the default certificate: a clear name mismatch, never a hang', async () => {
    const bare = await httpsRequest(port, undefined, '/', { ca: root });
    expect(bare.certificate.subjectaltname).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(bare.status).toBe(404);
    await expect(httpsRequest(port, 'nobody.localhost', '/', { ca: root })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    // Outside the CA's names: no certificate can be issued, so the default one answers too.
    await expect(httpsRequest(port, 'api.example.com', '/', { ca: root })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('serves a route created after start without a restart', async () => {
    await must(core.run('routes.create', { host: 'late.localhost', backends: [{ url: backend.url }], settings: { healthCheck: 'off' } }));
    const answer = await httpsRequest(port, 'late.localhost', '/', { ca: root });
    expect(answer.status).toBe(200);
    expect(answer.certificate.subjectaltname).toBe('DNS:late.localhost');
  });

  it('resumes sessions', async () => {
    const first = await httpsRequest(port, 'web.localhost', '/', { ca: root });
    expect(first.session).toBeDefined();
    const second = await httpsRequest(port, 'web.localhost', '/', { ca: root, session: first.session });
    expect(second.reused).toBe(true);
  });

  it('renews a certificate due within 30 days at the next handshake, without a restart', async () => {
    await must(core.run('routes.create', { host: 'renew.localhost', backends: [{ url: backend.url }], settings: { healthCheck: 'off' } }));
    const before = await httpsRequest(port, 'renew.localhost', '/', { ca: root });
    clock += 370 * DAY_MS;
    // The renewed certificate starts at the moved clock, which this client's real clock calls the future: read it unverified.
    const after = await httpsRequest(port, 'renew.localhost', '/', { ca: root, verify: false });
    clock -= 370 * DAY_MS;
    expect(after.certificate.serialNumber).not.toBe(before.certificate.serialNumber);
    expect(new Date(after.certificate.valid_to).getTime() - new Date(before.certificate.valid_to).getTime()).toBeGreaterThan(360 * DAY_MS);
  });
});

describe('redirect to HTTPS', () => {
  it('answers plain HTTP with a 308 to the same path and query on the HTTPS port, and serves HTTPS as usual', async () => {
    const routes = await must(core.run('routes.list', {}));
    const route = routes.find((r) => r.host === 'web.localhost')!;
    await must(core.run('routes.update', { id: route.id, settings: { redirectHttps: true } }));
    const plainPort = core.engine.listeners().find((l) => l.kind === 'http')!.port;
    const redirected = await request(plainPort, 'web.localhost', '/a/b?c=1&d=2', { method: 'POST', body: 'x' });
    expect(redirected.status).toBe(308);
    expect(redirected.headers.location).toBe(`https://web.localhost:${port}/a/b?c=1&d=2`);
    expect(redirected.headers['strict-transport-security']).toBeUndefined();
    expect(redirected.headers['cache-control']).toBe('no-store');
    expect((await httpsRequest(port, 'web.localhost', '/a/b?c=1', { ca: root })).status).toBe(200);
    await must(core.run('routes.update', { id: route.id, settings: { redirectHttps: false } }));
    expect((await request(plainPort, 'web.localhost', '/')).status).toBe(200);
  });
});

describe('HTTP/2 on the HTTPS listener', () => {
  it('negotiates h2 by ALPN and proxies to the HTTP/1.1 backend; HTTP/1.1 clients still get HTTP/1.1', async () => {
    const session = http2.connect(`https://api.test.localhost:${port}`, { ca: root, host: '127.0.0.1', servername: 'api.test.localhost' });
    session.on('error', () => {});
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/h2', ':authority': 'api.test.localhost' });
        let answer = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (headers) => (answer = Number(headers[':status'])));
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve({ status: answer, body: Buffer.concat(chunks).toString() }));
        stream.on('error', reject);
      });
      expect(status).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ proto: 'https', host: 'api.test.localhost' });
      expect(session.alpnProtocol).toBe('h2');
    } finally {
      session.close();
    }
    const [record] = (await must(core.run('traffic.list', { limit: 1 }))).records;
    expect(record).toMatchObject({ path: '/h2', protocol: 'HTTP/2', tls: 'TLSv1.3' });
    const http1 = await httpsRequest(port, 'api.test.localhost', '/', { ca: root, alpn: ['http/1.1'] });
    expect([http1.status, http1.alpn]).toEqual([200, 'http/1.1']);
  });
});

describe('WebSocket over TLS', () => {
  it('upgrades an HTTP/1.1 client on the HTTPS listener (wss://) and relays both ways', async () => {
    const echo = await wsBackend('echo');
    try {
      await must(core.run('routes.create', { host: 'ws.localhost', backends: [{ url: echo.url }], settings: { healthCheck: 'off' } }));
      // ws hands TLS options (servername, ca) through to tls.connect; its types list only some of them.
      const options: WebSocket.ClientOptions & { servername: string } = { headers: { host: 'ws.localhost' }, servername: 'ws.localhost', ca: root };
      const ws = new WebSocket(`wss://127.0.0.1:${port}/`, options);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send('hello');
      expect(await nextMessage(ws)).toBe('echo: hello');
      ws.close();
    } finally {
      await echo.close();
    }
  });
});

describe('a route host outside the CA', () => {
  it('is listed with the reason, and served over HTTPS once its domain is added, without a restart', async () => {
    const before = await must(core.run('certificates.get', {}));
    const uncovered = before.routesWithoutHttps.find((r) => r.host === 'api.example.com');
    expect(uncovered?.reason).toMatch(/outside the names this local CA may certify.*add example\.com to the local CA's domains/s);
    expect(before.routesWithoutHttps.map((r) => r.host)).not.toContain('api.test.localhost');

    await must(core.run('certificates.setDomains', { domains: ['example.com'] }));
    expect((await must(core.run('certificates.get', {}))).routesWithoutHttps).toEqual([]);
    const answer = await httpsRequest(port, 'api.example.com', '/', { ca: root });
    expect([answer.status, answer.certificate.subjectaltname]).toEqual([200, 'DNS:api.example.com']);
  });
});
