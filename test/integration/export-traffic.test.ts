import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { exportConfig } from '../../src/main/core/export';
import type { Route } from '../../src/shared/model';
import { startBackend, type TestBackend } from '../helpers/backends';
import { freePort, must, proxyPort, request, tempDir, withCore } from '../helpers/core';
import { nginxRuntime, runProxy, tlsFolder, type RunningProxy } from '../helpers/export-tools';
import { route } from '../helpers/export-routes';
import { tcpBackend, tcpConnect, type TcpBackend } from '../helpers/tcp';

// Real traffic through Switchyard and through the nginx and HAProxy configs
// exported from the same routes: round-robin reaches both backends, weights
// 3:1 give 3:1 (nginx and Switchyard share smooth weighted round-robin, and
// HAProxy's roundrobin is weighted too), a TCP route relays bytes, and TLS
// passthrough routes pick their backend by the ClientHello's server name
// (those only through the exports: the routes are written for them).
// Backends are on loopback test ports; each proxy runs in its own process
// group and is killed with it.

/** Requests per route and proxy: ten rounds of the 3:1 cycle. */
const requestsPerRoute = 40;

let core: Core;
withCore((c) => (core = c));

describe('exported configs balance as Switchyard does', () => {
  const backends: TestBackend[] = [];
  let echo: TcpBackend;
  let routes: Route[];
  const work = tempDir('switchyard-export-run-');

  beforeAll(async () => {
    for (const name of ['a', 'b', 'c', 'd']) backends.push(await startBackend(name));
    const [a, b, c, d] = backends as [TestBackend, TestBackend, TestBackend, TestBackend];
    echo = await tcpBackend('echo');
    const off = { healthCheck: 'off' } as const;
    await must(core.run('routes.create', { host: 'weighted.localhost', algorithm: 'weighted-round-robin', settings: off, backends: [{ url: a.url, weight: 3 }, { url: b.url, weight: 1 }] }));
    await must(core.run('routes.create', { host: 'rr.localhost', algorithm: 'round-robin', settings: off, backends: [{ url: c.url }, { url: d.url }] }));
    await must(core.run('routes.create', { host: `tcp://127.0.0.1:${await freePort()}`, settings: off, backends: [{ url: echo.url }] }));
    routes = await must(core.run('routes.list', {}));
  });
  afterAll(async () => {
    await Promise.all([...backends.map((b) => b.close()), echo.close()]);
    work.remove();
  });

  /** Which backend answered each request, counted per host. */
  async function counts(port: number, host: string): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let i = 0; i < requestsPerRoute; i += 1) {
      const { status, body } = await request(port, host);
      expect(status).toBe(200);
      seen[body] = (seen[body] ?? 0) + 1;
    }
    return seen;
  }

  async function relays(port: number): Promise<void> {
    const client = await tcpConnect(port);
    client.socket.write('ping through the export\n');
    await client.waitFor('ping through the export');
    client.socket.destroy();
  }

  /** A TLS server that greets each connection with its name: what a passthrough route reaches. */
  async function tlsBackend(name: string, folder: string): Promise<{ url: string; close(): Promise<void> }> {
    const server = tls.createServer({ cert: readFileSync(join(folder, 'weighted.localhost.crt')), key: readFileSync(join(folder, 'weighted.localhost.key')) }, (socket) => socket.end(`${name}\n`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { url: `tcp://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  /** Which backend a TLS client naming `servername` reached. */
  function greetingFor(port: number, servername: string): Promise<string> {
    return new Promise((resolve, reject) => {
      // The backends' certificate is self-signed: this checks routing, not trust.
      const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
      let data = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
      socket.on('end', () => resolve(data.trim()));
      socket.on('error', reject);
    });
  }

  /** The routes with the TCP route moved to another free port, so each proxy listens on its own, and two TLS passthrough routes sharing one. */
  async function onFreshPorts(folder: string): Promise<{ routes: Route[]; tcpPort: number; tlsPort: number; httpPort: number; httpsPort: number; closeTls: () => Promise<void> }> {
    const tcpPort = await freePort();
    const tlsPort = await freePort();
    const [named, other] = [await tlsBackend('named', folder), await tlsBackend('other', folder)];
    const moved = routes.map((r) => (r.kind === 'tcp' ? { ...r, host: `tcp://127.0.0.1:${tcpPort}` } : r));
    // Ids past the stored routes': the exporters name sections by route id.
    const firstId = Math.max(...routes.map((r) => r.id)) + 1;
    moved.push(
      { ...route({ host: `tls://127.0.0.1:${tlsPort}/db.localhost`, backends: [named.url], settings: { healthCheck: 'off' } }), id: firstId },
      { ...route({ host: `tls://127.0.0.1:${tlsPort}/*`, backends: [other.url], settings: { healthCheck: 'off' } }), id: firstId + 1 },
    );
    const closeTls = async () => void (await Promise.all([named.close(), other.close()]));
    return { routes: moved, tcpPort, tlsPort, httpPort: await freePort(), httpsPort: await freePort(), closeTls };
  }

  async function expectSniRouting(port: number): Promise<void> {
    expect(await greetingFor(port, 'db.localhost')).toBe('named');
    expect(await greetingFor(port, 'anything-else.localhost')).toBe('other');
  }

  async function expectBalanced(port: number, proxy: string): Promise<void> {
    expect(await counts(port, 'weighted.localhost'), `${proxy} weighted`).toEqual({ a: 30, b: 10 });
    expect(await counts(port, 'rr.localhost'), `${proxy} round-robin`).toEqual({ c: 20, d: 20 });
  }

  it('Switchyard itself: 3:1 by weight, 1:1 round-robin, bytes relayed', async () => {
    await expectBalanced(proxyPort(core), 'Switchyard');
    const tcp = routes.find((r) => r.kind === 'tcp')!;
    await relays(Number(tcp.host.split(':').at(-1)));
  });

  it('nginx running the exported nginx.conf', async () => {
    const certificates = await tlsFolder(routes);
    const { routes: moved, tcpPort, tlsPort, httpPort, httpsPort, closeTls } = await onFreshPorts(certificates.path);
    const dir = join(work.path, 'nginx');
    const { text } = exportConfig('nginx', moved, { httpPort, httpsPort, tlsDirectory: certificates.path });
    const { args } = nginxRuntime(text, dir);
    let nginx: RunningProxy | undefined;
    try {
      nginx = await runProxy('nginx', args, httpPort);
      await expectBalanced(httpPort, 'nginx');
      await relays(tcpPort);
      await expectSniRouting(tlsPort);
    } finally {
      await nginx?.stop();
      await closeTls();
      certificates.remove();
    }
  });

  it('HAProxy running the exported haproxy.cfg', async () => {
    const certificates = await tlsFolder(routes);
    const { routes: moved, tcpPort, tlsPort, httpPort, httpsPort, closeTls } = await onFreshPorts(certificates.path);
    const file = join(work.path, 'haproxy.cfg');
    const { text } = exportConfig('haproxy', moved, { httpPort, httpsPort, tlsDirectory: certificates.path });
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(work.path, { recursive: true });
    writeFileSync(file, text);
    let haproxy: RunningProxy | undefined;
    try {
      // -db: stay in the foreground, so the process group is the proxy.
      haproxy = await runProxy('haproxy', ['-db', '-f', file], httpPort);
      await expectBalanced(httpPort, 'HAProxy');
      await relays(tcpPort);
      await expectSniRouting(tlsPort);
    } finally {
      await haproxy?.stop();
      await closeTls();
      certificates.remove();
    }
  });
});
