import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';

/** Without loop detection the chain below goes round until this many passes, then answers itself so the test ends. */
const passesBeforeGivingUp = 10;

/**
 * A forward hop like a corporate or dev proxy: sends every request on to
 * `port`, keeping method, path and headers (Host and Via included).
 */
async function startRelay(port: () => number): Promise<{ port: number; seen: () => number; close(): Promise<void> }> {
  let seen = 0;
  const agent = new http.Agent({ keepAlive: false });
  const server = http.createServer((req, res) => {
    seen += 1;
    if (seen > passesBeforeGivingUp) return res.end('the loop went on');
    const upstream = http.request({ host: '127.0.0.1', port: port(), method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen: () => seen,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a request that comes back through another proxy gets 508 at once', () => {
  const dir = tempDir();
  let core: Core;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  beforeAll(async () => {
    core = await startCore(dir.path);
    relay = await startRelay(() => proxyPort(core));
    await must(core.run('routes.create', { host: 'chain.localhost', settings: { healthCheck: 'off' }, backends: [{ url: `http://127.0.0.1:${relay.port}` }] }));
  });
  afterAll(async () => {
    await core.stop();
    await relay.close();
    dir.remove();
  });

  it('after one round, with a page naming the route', async () => {
    const res = await request(proxyPort(core), 'chain.localhost', '/x');
    expect(res.status).toBe(508);
    expect(res.body).toContain('The route chain.localhost sent this request to a backend that leads back to Switchyard');
    expect(relay.seen()).toBeLessThanOrEqual(2);
  });
});

describe('two Switchyards chained on purpose are not a loop', () => {
  const dirs = [tempDir(), tempDir()];
  let front: Core;
  let back: Core;
  let echo: TestBackend;
  beforeAll(async () => {
    echo = await startBackend('echo', (req, res) => res.end(String(req.headers.via)));
    [front, back] = await Promise.all([startCore(dirs[0]!.path), startCore(dirs[1]!.path)]);
    await must(back.run('routes.create', { host: 'two.localhost', backends: [{ url: echo.url }] }));
    await must(front.run('routes.create', { host: 'two.localhost', backends: [{ url: `http://127.0.0.1:${proxyPort(back)}` }] }));
  });
  afterAll(async () => {
    await Promise.all([front.stop(), back.stop(), echo.close()]);
    for (const d of dirs) d.remove();
  });

  it('each marks the request with its own name', async () => {
    const res = await request(proxyPort(front), 'two.localhost');
    expect(res.status).toBe(200);
    const names = [...res.body.matchAll(/1\.1 (switchyard-[0-9a-f]{8})/g)].map((m) => m[1]);
    expect(names).toHaveLength(2);
    expect(names[0]).not.toBe(names[1]);
  });
});
