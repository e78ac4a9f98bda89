import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { freePort, must, tempDir, withCleanCore } from '../helpers/core';
import { capturedHellos, helloBytes } from '../helpers/client-hellos';
import { hasIpv6Loopback, proxyProtocolBackend } from '../helpers/proxy-protocol';

// HAProxy as the peer that checks Switchyard's PROXY headers: a frontend
// with `accept-proxy` refuses a connection whose header breaks the spec, and
// passes what it read on to the test backend with its own `send-proxy`, so
// the backend sees the client HAProxy understood from Switchyard's header.
//
//   client → Switchyard route (proxyProtocol v1|v2) → HAProxy accept-proxy → send-proxy → backend

const haproxyInstalled = spawnSync('haproxy', ['-v']).status === 0;
const ipv6 = await hasIpv6Loopback();
/** How long HAProxy gets to start listening. */
const haproxyStartMs = 5_000;

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

let haproxy: ChildProcess | undefined;
let haproxyPort = 0;
let backend: Awaited<ReturnType<typeof proxyProtocolBackend>>;
const dir = tempDir('switchyard-haproxy-');

async function listening(port: number, deadline: number): Promise<void> {
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`HAProxy did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  if (!haproxyInstalled) return;
  backend = await proxyProtocolBackend();
  haproxyPort = await freePort();
  const config = join(dir.path, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend from_switchyard',
      `  bind 127.0.0.1:${haproxyPort} accept-proxy`,
      '  default_backend to_test',
      'backend to_test',
      `  server test ${backend.url.slice('tcp://'.length)} send-proxy`,
      '',
    ].join('\n'),
  );
  // Its own process group, killed whole after the suite.
  haproxy = spawn('haproxy', ['-db', '-f', config], { stdio: 'ignore', detached: true });
  await listening(haproxyPort, Date.now() + haproxyStartMs);
});

afterAll(async () => {
  if (haproxy?.pid) process.kill(-haproxy.pid, 'SIGKILL');
  await backend?.close();
  dir.remove();
});

/** Connects to `port` from `host`, sends `bytes`; the client's port. */
async function send(host: string, port: number, bytes: Buffer | string): Promise<number> {
  const socket = net.connect({ host, port });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  cleanups.push(() => Promise.resolve(socket.destroy()));
  socket.write(bytes);
  return socket.localPort!;
}

describe.skipIf(!haproxyInstalled)('PROXY protocol, read by HAProxy', () => {
  for (const version of ['v1', 'v2'] as const) {
    it(`${version} from a TCP route: HAProxy reads the client's address and port, and the route's`, async () => {
      const before = backend.connections.length;
      const port = await freePort();
      await must(core.run('routes.create', { host: `tcp://127.0.0.1:${port}`, settings: { healthCheck: 'off', proxyProtocol: version }, backends: [{ url: `tcp://127.0.0.1:${haproxyPort}` }] }));
      const clientPort = await send('127.0.0.1', port, `through HAProxy ${version}`);
      await expect.poll(() => backend.connections[before]?.rest.toString()).toBe(`through HAProxy ${version}`);
      expect(backend.connections[before]!.header).toMatchObject({ protocol: 'TCP4', source: '127.0.0.1', sourcePort: clientPort, destination: '127.0.0.1', destinationPort: port });
    });

    it.skipIf(!ipv6)(`${version} from an IPv6 client: HAProxy reads TCP6`, async () => {
      const before = backend.connections.length;
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '::1', resolve));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      await must(core.run('routes.create', { host: `tcp://[::1]:${port}`, settings: { healthCheck: 'off', proxyProtocol: version }, backends: [{ url: `tcp://127.0.0.1:${haproxyPort}` }] }));
      const clientPort = await send('::1', port, 'six');
      await expect.poll(() => backend.connections[before]?.rest.toString()).toBe('six');
      expect(backend.connections[before]!.header).toMatchObject({ protocol: 'TCP6', source: '::1', sourcePort: clientPort, destination: '::1', destinationPort: port });
    });
  }

  it('v2 from a TLS route: HAProxy reads the header, and the hello follows it unchanged', async () => {
    const before = backend.connections.length;
    const port = await freePort();
    await must(core.run('routes.create', { host: `tls://127.0.0.1:${port}/db.localhost`, settings: { healthCheck: 'off', proxyProtocol: 'v2' }, backends: [{ url: `tcp://127.0.0.1:${haproxyPort}` }] }));
    const hello = helloBytes(capturedHellos.nodeDb);
    const clientPort = await send('127.0.0.1', port, hello);
    await expect.poll(() => backend.connections[before]?.rest.length).toBe(hello.length);
    expect(backend.connections[before]!.rest.equals(hello)).toBe(true);
    expect(backend.connections[before]!.header).toMatchObject({ protocol: 'TCP4', sourcePort: clientPort, destinationPort: port });
  });
});
