import https from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, proxyPort, request, settled, withCore } from '../helpers/core';

// https:// backends are reached over TLS and their certificate is verified
// (Caddy's default). A dev server with a self-signed certificate is refused
// with a 502 that names the reason and the switch, rather than hanging or
// being trusted silently; with verifyBackendTls off it is served.
describe('https backends', () => {
  let core: Core;
  let server: https.Server;
  let url: string;
  const seen: string[] = [];
  withCore((c) => (core = c));

  beforeAll(async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec' });
    server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      seen.push(req.url ?? '');
      res.end('secret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('speaks TLS to the backend and refuses a certificate it cannot verify with a 502 naming the reason', async () => {
    await must(core.run('routes.create', { host: 'tls.localhost', settings: { healthCheck: 'off', retries: 0 }, backends: [{ url }] }));
    const res = await request(proxyPort(core), 'tls.localhost', '/x');
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/certificate/i);
    expect(res.body).toMatch(/verifyBackendTls=off/);
    expect(seen).toEqual([]);
  });

  it('with verifyBackendTls off, serves the self-signed backend, and its HTTP health checks pass', async () => {
    await must(
      core.run('routes.create', {
        host: 'devtls.localhost',
        settings: { verifyBackendTls: false, healthCheck: 'http', healthPath: '/health', healthIntervalMs: 100 },
        backends: [{ url }],
      }),
    );
    await settled(core);
    const live = await must(core.run('backends.live', {}));
    expect(Object.values(live.backends).map((b) => b.status)).toContain('healthy');
    expect(await request(proxyPort(core), 'devtls.localhost', '/y')).toMatchObject({ status: 200, body: 'secret' });
    expect(seen).toContain('/y');
  });
});
