import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { freePort, must, startCore, tempDir, withCleanCore } from '../helpers/core';
import { hasIpv6Loopback } from '../helpers/proxy-protocol';
import { selfSigned, tlsBackend, tlsGreeting, tlsRoute } from '../helpers/tls-passthrough';

// TLS passthrough routes in the store and through a route's life: one route
// per name per port, no TCP route on a port TLS routes share (either way
// round), a port in use as a problem not a crash, drains, restarts, IPv6.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));
const ipv6 = await hasIpv6Loopback();
const db = selfSigned('db.localhost');

async function refusal(name: Parameters<Core['run']>[0], input: unknown) {
  const answer = await core.run(name, input);
  if (answer.ok) throw new Error(`${name} was accepted: ${JSON.stringify(answer.result)}`);
  return answer.error;
}

async function dbBackend(host?: string) {
  const started = await tlsBackend('db', db, host);
  cleanups.push(() => started.close());
  return started;
}

describe('TLS passthrough routes in the store', () => {
  it('keeps one route per name per port; the same name on another port is another route', async () => {
    const route = await tlsRoute(core, 'db.localhost', ['tcp://127.0.0.1:5432']);
    expect({ kind: route.kind, host: route.host, path: route.path, idleTimeoutMs: route.settings.idleTimeoutMs }).toEqual({
      kind: 'tls',
      host: `tls://127.0.0.1:${route.port}/db.localhost`,
      path: '/',
      idleTimeoutMs: 600_000,
    });
    const again = await refusal('routes.create', { host: `tls://127.0.0.1:${route.port}/DB.localhost`, backends: [] });
    expect(again).toMatchObject({ code: 'ROUTE_EXISTS', message: `A TLS passthrough route already takes tls://127.0.0.1:${route.port}/db.localhost. Add backends to it, or choose another server name or port.` });
    await tlsRoute(core, 'db.localhost', ['tcp://127.0.0.1:5432']);
  });

  it('refuses a TCP route on a TLS port and a TLS route on a TCP port, on create and on update', async () => {
    const shared = await tlsRoute(core, 'db.localhost', ['tcp://127.0.0.1:5432']);
    expect(await refusal('routes.create', { host: `tcp://127.0.0.1:${shared.port}` })).toMatchObject({ code: 'ROUTE_EXISTS', field: 'host' });
    const tcpPort = await freePort();
    const tcp = await must(core.run('routes.create', { host: `tcp://127.0.0.1:${tcpPort}`, settings: { healthCheck: 'off' } }));
    const onTcp = await refusal('routes.create', { host: `tls://127.0.0.1:${tcpPort}/web.localhost` });
    expect(onTcp.message).toBe(`The TCP route tcp://127.0.0.1:${tcpPort} takes every connection to that port, so TLS passthrough routes cannot share it. Choose another port, or remove that route first.`);
    expect(await refusal('routes.update', { id: tcp.id, host: `tcp://127.0.0.1:${shared.port}` })).toMatchObject({ code: 'ROUTE_EXISTS' });
    expect(await refusal('routes.update', { id: shared.id, host: `tls://127.0.0.1:${tcpPort}/db.localhost` })).toMatchObject({ code: 'ROUTE_EXISTS' });
    // A TLS route keeps its kind.
    expect((await refusal('routes.update', { id: shared.id, host: 'db.localhost' })).message).toMatch(/^A TLS passthrough route keeps a tls:\/\/ address/);
  });

  it('refuses HTTP settings and paths on a TLS route, naming the field', async () => {
    const port = await freePort();
    const withPath = await refusal('routes.create', { host: `tls://127.0.0.1:${port}/db.localhost`, path: '/api' });
    expect(withPath).toMatchObject({ code: 'VALIDATION_FAILED', message: 'A TLS passthrough route has no path prefix (/api): it takes every connection to its address.' });
    const withCache = await refusal('routes.create', { host: `tls://127.0.0.1:${port}/db.localhost`, settings: { cache: true } });
    expect(withCache.message).toBe('cache applies to HTTP routes only: a TLS passthrough route relays bytes without reading them. Leave it out.');
  });
});

describe('a TLS passthrough route through its life', () => {
  it('a port in use is a problem naming the routes on it, and the rest of Switchyard runs on', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
    const port = (squatter.address() as net.AddressInfo).port;
    await tlsRoute(core, 'db.localhost', ['tcp://127.0.0.1:5432'], {}, port);
    const { problems } = await must(core.run('status', {}));
    expect(problems).toEqual([
      {
        code: 'TCP_LISTEN_FAILED',
        message: `TLS passthrough on tls://127.0.0.1:${port} (db.localhost) takes no connections: port ${port} on 127.0.0.1 is already in use by another program. Stop that program, or remove these routes and add them again with another port.`,
      },
    ]);
  });

  it('drains a backend: open connections go on, new ones go elsewhere, and it is drained when they end', async () => {
    const [first, second] = [await dbBackend(), await dbBackend()];
    const route = await tlsRoute(core, 'db.localhost', [first.url, second.url]);
    const open = net.connect({ host: '127.0.0.1', port: route.port });
    const held = tls.connect({ socket: open, servername: 'db.localhost', ca: db.cert });
    cleanups.push(() => Promise.resolve(held.destroy()));
    await new Promise((resolve) => held.once('data', resolve));
    await must(core.run('backends.drain', { id: route.backends[0]!.id }));
    const status = async () => (await must(core.run('backends.live', {}))).backends[route.backends[0]!.id]!.status;
    expect(await status()).toBe('draining');
    for (let i = 0; i < 2; i++) expect(await tlsGreeting(route.port, 'db.localhost', db)).toMatchObject({ ok: true });
    expect([first.handshakes(), second.handshakes()]).toEqual([1, 2]);
    held.destroy();
    await expect.poll(status).toBe('drained');
  });

  it('checks its backends with TCP connects and sends no connection to one that fails them', async () => {
    const live = await dbBackend();
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const route = await tlsRoute(core, 'db.localhost', [dead, live.url], { healthCheck: 'tcp', healthIntervalMs: 100, healthRise: 1, healthFall: 1, retries: 0 });
    const status = async (index: number) => (await must(core.run('backends.live', {}))).backends[route.backends[index]!.id]!.status;
    await expect.poll(() => status(0)).toBe('unhealthy');
    await expect.poll(() => status(1)).toBe('healthy');
    // With retries off, only the checks keep connections off the dead backend.
    for (let i = 0; i < 3; i++) expect(await tlsGreeting(route.port, 'db.localhost', db)).toMatchObject({ ok: true, greeting: 'db' });
  });

  it('listens again after a restart', async () => {
    const dir = tempDir();
    const backend = await dbBackend();
    try {
      let restarted = await startCore(dir.path);
      const route = await tlsRoute(restarted, 'db.localhost', [backend.url]);
      await restarted.stop();
      restarted = await startCore(dir.path);
      try {
        expect(await tlsGreeting(route.port, 'db.localhost', db)).toMatchObject({ ok: true, greeting: 'db' });
      } finally {
        await restarted.stop();
      }
    } finally {
      dir.remove();
    }
  });

  it.skipIf(!ipv6)('listens on an IPv6 address', async () => {
    const backend = await dbBackend('::1');
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '::1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await must(core.run('routes.create', { host: `tls://[::1]:${port}/db.localhost`, settings: { healthCheck: 'off' }, backends: [{ url: backend.url }] }));
    const greeting = await tlsGreeting(port, 'db.localhost', db, () => net.connect({ host: '::1', port }));
    expect(greeting).toMatchObject({ ok: true, greeting: 'db', fingerprint: db.fingerprint });
  });
});
