import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { exportConfig } from '../../src/main/core/export';
import type { Route } from '../../src/shared/model';
import { startBackend, type TestBackend } from '../helpers/backends';
import { freePort, must, proxyPort, request, tempDir, withCore } from '../helpers/core';
import { nginxRuntime, runProxy, tlsFolder, type RunningProxy } from '../helpers/export-tools';
import { tcpBackend, tcpConnect, type TcpBackend } from '../helpers/tcp';

// Real traffic through Switchyard and through the nginx and HAProxy configs
// exported from the same routes: round-robin reaches both backends, weights
// 3:1 give 3:1 (nginx and Switchyard share smooth weighted round-robin, and
// HAProxy's roundrobin is weighted too), and a TCP route relays bytes.
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

  /** The routes with the TCP route moved to another free port, so each proxy listens on its own. */
  async function onFreshPorts(): Promise<{ routes: Route[]; tcpPort: number; httpPort: number; httpsPort: number }> {
    const tcpPort = await freePort();
    const moved = routes.map((route) => (route.kind === 'tcp' ? { ...route, host: `tcp://127.0.0.1:${tcpPort}` } : route));
    return { routes: moved, tcpPort, httpPort: await freePort(), httpsPort: await freePort() };
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
    const { routes: moved, tcpPort, httpPort, httpsPort } = await onFreshPorts();
    const tls = await tlsFolder(moved);
    const dir = join(work.path, 'nginx');
    const { text } = exportConfig('nginx', moved, { httpPort, httpsPort, tlsDirectory: tls.path });
    const { args } = nginxRuntime(text, dir);
    let nginx: RunningProxy | undefined;
    try {
      nginx = await runProxy('nginx', args, httpPort);
      await expectBalanced(httpPort, 'nginx');
      await relays(tcpPort);
    } finally {
      await nginx?.stop();
      tls.remove();
    }
  });

  it('HAProxy running the exported haproxy.cfg', async () => {
    const { routes: moved, tcpPort, httpPort, httpsPort } = await onFreshPorts();
    const tls = await tlsFolder(moved);
    const file = join(work.path, 'haproxy.cfg');
    const { text } = exportConfig('haproxy', moved, { httpPort, httpsPort, tlsDirectory: tls.path });
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(work.path, { recursive: true });
    writeFileSync(file, text);
    let haproxy: RunningProxy | undefined;
    try {
      // -db: stay in the foreground, so the process group is the proxy.
      haproxy = await runProxy('haproxy', ['-db', '-f', file], httpPort);
      await expectBalanced(httpPort, 'HAProxy');
      await relays(tcpPort);
    } finally {
      await haproxy?.stop();
      tls.remove();
    }
  });
});
