import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { Route } from '../../src/shared/model';
import { freePort, must, withCleanCore } from '../helpers/core';
import { hasIpv6Loopback, proxyProtocolBackend } from '../helpers/proxy-protocol';
import { selfSigned, tlsGreeting, tlsRoute } from '../helpers/tls-passthrough';

// PROXY protocol to backends (HAProxy's send-proxy and send-proxy-v2): each
// backend connection of a TCP or TLS route starts with a header naming the
// real client and the address it connected to, read here by a strict parser
// of the spec; HAProxy itself reads them in proxy-protocol-haproxy.test.ts.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));
const ipv6 = await hasIpv6Loopback();

async function backend(host?: string, answer?: Parameters<typeof proxyProtocolBackend>[1]) {
  const started = await proxyProtocolBackend(host, answer);
  cleanups.push(() => started.close());
  return started;
}

async function freePortOn(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function tcpRouteOn(host: string, backends: string[], settings: Record<string, unknown>): Promise<Route & { port: number }> {
  const port = await freePortOn(host);
  const address = host.includes(':') ? `[${host}]` : host;
  const route = await must(core.run('routes.create', { host: `tcp://${address}:${port}`, settings: { healthCheck: 'off', ...settings }, backends: backends.map((url) => ({ url })) }));
  return { ...route, port };
}

/** Connects from `host`, sends `text`, and resolves with the client's own port once the backend has it all. */
async function send(host: string, port: number, text: string): Promise<{ clientPort: number; socket: net.Socket }> {
  const socket = net.connect({ host, port });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  cleanups.push(() => Promise.resolve(socket.destroy()));
  socket.write(text);
  return { clientPort: socket.localPort!, socket };
}

describe('PROXY protocol to backends', () => {
  for (const version of ['v1', 'v2'] as const) {
    it(`${version}: an IPv4 client's address and port, and the route's, before the client's bytes`, async () => {
      const target = await backend();
      const route = await tcpRouteOn('127.0.0.1', [target.url], { proxyProtocol: version });
      const { clientPort } = await send('127.0.0.1', route.port, 'hello backend');
      await expect.poll(() => target.connections[0]?.rest.toString()).toBe('hello backend');
      expect(target.connections[0]!.header).toEqual({
        version: version === 'v1' ? 1 : 2,
        protocol: 'TCP4',
        command: 'PROXY',
        source: '127.0.0.1',
        sourcePort: clientPort,
        destination: '127.0.0.1',
        destinationPort: route.port,
        length: expect.any(Number),
      });
    });

    it.skipIf(!ipv6)(`${version}: an IPv6 client as TCP6`, async () => {
      const target = await backend();
      const route = await tcpRouteOn('::1', [target.url], { proxyProtocol: version });
      const { clientPort } = await send('::1', route.port, 'over six');
      await expect.poll(() => target.connections[0]?.rest.toString()).toBe('over six');
      expect(target.connections[0]!.header).toMatchObject({ protocol: 'TCP6', source: '::1', sourcePort: clientPort, destination: '::1', destinationPort: route.port });
    });
  }

  it('off by default: the backend gets the client\'s bytes alone', async () => {
    const target = await backend();
    const route = await tcpRouteOn('127.0.0.1', [target.url], {});
    await send('127.0.0.1', route.port, 'plain bytes');
    await expect.poll(() => target.connections[0]?.error).toMatch(/no PROXY header/);
    expect(target.connections[0]!.rest.toString()).toBe('plain bytes');
  });

  it('goes to the backend that takes the connection after a failed connect, once', async () => {
    const target = await backend();
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const route = await tcpRouteOn('127.0.0.1', [dead, target.url], { proxyProtocol: 'v1' });
    const { clientPort } = await send('127.0.0.1', route.port, 'after a retry');
    await expect.poll(() => target.connections[0]?.rest.toString()).toBe('after a retry');
    expect(target.connections[0]!.header).toMatchObject({ protocol: 'TCP4', sourcePort: clientPort });
  });

  it('is not sent by health checks (HAProxy sends it on checks only with check-send-proxy)', async () => {
    const target = await backend();
    const route = await tcpRouteOn('127.0.0.1', [target.url], { proxyProtocol: 'v2', healthCheck: 'tcp', healthIntervalMs: 100, healthRise: 1 });
    await expect.poll(() => target.connections.filter((c) => c.closed).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    for (const check of target.connections.filter((c) => c.closed)) expect({ header: check.header, rest: check.rest.length, error: check.error }).toEqual({ header: undefined, rest: 0, error: undefined });
    const live = await must(core.run('backends.live', {}));
    expect(live.backends[route.backends[0]!.id]!.status).toBe('healthy');
  });

  it('on a TLS route comes before the ClientHello, and the handshake through it verifies', async () => {
    const credentials = selfSigned('db.localhost');
    // The TLS server greets with the header the PROXY reader in front of it saw; the reader hands on what followed the header.
    let seen = '';
    const server = tls.createServer({ key: credentials.key, cert: credentials.cert }, (socket) => {
      socket.on('error', () => {});
      socket.write(`${seen}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const target = await backend('127.0.0.1', (socket, header, rest) => {
      seen = `${header.protocol} ${header.sourcePort}`;
      const inner = net.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
      inner.on('error', () => socket.destroy());
      socket.on('close', () => inner.destroy());
      inner.write(rest);
      socket.pipe(inner).pipe(socket);
    });
    const route = await tlsRoute(core, 'db.localhost', [target.url], { proxyProtocol: 'v2' });
    let clientPort = 0;
    const greeting = await tlsGreeting(route.port, 'db.localhost', credentials, () => {
      const socket = net.connect({ host: '127.0.0.1', port: route.port });
      socket.once('connect', () => (clientPort = socket.localPort!));
      return socket;
    });
    expect(greeting).toEqual({ ok: true, greeting: `TCP4 ${clientPort}`, fingerprint: credentials.fingerprint });
    expect(target.connections[0]!.header).toMatchObject({ version: 2, destinationPort: route.port });
  });
});
