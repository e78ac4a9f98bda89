import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { freePort, must, withCleanCore } from '../helpers/core';
import { capturedHellos, helloBytes } from '../helpers/client-hellos';
import { oneByteAtATime, recordingBackend, selfSigned, tlsBackend, tlsGreeting, tlsRoute, type Credentials } from '../helpers/tls-passthrough';

// TLS passthrough: routes share one port and are chosen by the ClientHello's
// server name, and the TLS session is the client's with the backend (each
// client trusts only the certificate of the backend it means to reach).

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const certificates = {
  db: selfSigned('db.localhost'),
  web: selfSigned('web.localhost'),
  wildcard: selfSigned('*.db.localhost'),
  fallback: selfSigned('fallback.localhost'),
};

async function backend(name: string, credentials: Credentials) {
  const started = await tlsBackend(name, credentials);
  cleanups.push(() => started.close());
  return started;
}

describe('TLS passthrough by server name', () => {
  it('sends each name on a shared port to its own backend, whose certificate the client verifies', async () => {
    const [db, web] = [await backend('db', certificates.db), await backend('web', certificates.web)];
    const { port } = await tlsRoute(core, 'db.localhost', [db.url]);
    await tlsRoute(core, 'web.localhost', [web.url], {}, port);
    for (let i = 0; i < 3; i++) {
      expect(await tlsGreeting(port, 'db.localhost', certificates.db)).toEqual({ ok: true, greeting: 'db', fingerprint: certificates.db.fingerprint });
      expect(await tlsGreeting(port, 'web.localhost', certificates.web)).toEqual({ ok: true, greeting: 'web', fingerprint: certificates.web.fingerprint });
    }
    expect([db.handshakes(), web.handshakes()]).toEqual([3, 3]);
    const { listeners } = await must(core.run('status', {}));
    expect(listeners.filter((listener) => listener.kind === 'tls')).toEqual([{ kind: 'tls', address: '127.0.0.1', port, routeIds: expect.any(Array) }]);
  });

  it('takes names one label below a wildcard, and closes names no route takes', async () => {
    const wildcard = await backend('wildcard', certificates.wildcard);
    const { port } = await tlsRoute(core, '*.db.localhost', [wildcard.url]);
    expect(await tlsGreeting(port, 'primary.db.localhost', certificates.wildcard)).toMatchObject({ ok: true, greeting: 'wildcard' });
    expect(await tlsGreeting(port, 'a.b.db.localhost', certificates.wildcard)).toEqual({ ok: false, code: 'ECONNRESET' });
    expect(await tlsGreeting(port, 'web.localhost', certificates.wildcard)).toEqual({ ok: false, code: 'ECONNRESET' });
    expect(await tlsGreeting(port, undefined, certificates.wildcard)).toEqual({ ok: false, code: 'ECONNRESET' });
    expect(wildcard.handshakes()).toBe(1);
    // Each one closed is in the traffic record, with the name it asked for and why (NR), as an unknown HTTP host is.
    const { records } = await must(core.run('traffic.list', {}));
    const unrouted = records.filter((record) => record.end === 'no-route');
    expect(unrouted.map((record) => record.host).sort()).toEqual([`tls://127.0.0.1:${port}`, `tls://127.0.0.1:${port}/a.b.db.localhost`, `tls://127.0.0.1:${port}/web.localhost`]);
    for (const record of unrouted) expect(record).toMatchObject({ kind: 'tls', route: null, routeId: null, flags: ['NR'], backend: null, attempts: [], client: '127.0.0.1' });
  });

  it('sends unknown names, hellos without a name and what is not TLS to the * route', async () => {
    const [db, fallback] = [await backend('db', certificates.db), await backend('fallback', certificates.fallback)];
    const plain = await recordingBackend();
    cleanups.push(() => plain.close());
    const { port } = await tlsRoute(core, 'db.localhost', [db.url]);
    const fallbackRoute = await tlsRoute(core, '*', [fallback.url], {}, port);
    expect(await tlsGreeting(port, 'db.localhost', certificates.db)).toMatchObject({ ok: true, greeting: 'db' });
    // The fallback's certificate names fallback.localhost: a client asking for another name sees the mismatch, from the backend.
    expect(await tlsGreeting(port, 'other.localhost', certificates.fallback)).toEqual({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(await tlsGreeting(port, undefined, certificates.fallback)).toMatchObject({ ok: true, greeting: 'fallback', fingerprint: certificates.fallback.fingerprint });
    expect(fallback.handshakes()).toBe(1);
    // Plain text to the * route arrives exactly as sent.
    await must(core.run('routes.update', { id: fallbackRoute.id }));
    await must(core.run('backends.add', { routeId: fallbackRoute.id, url: plain.url }));
    await must(core.run('backends.remove', { id: fallbackRoute.backends[0]!.id }));
    const request = 'GET / HTTP/1.1\r\nHost: db.localhost\r\n\r\n';
    const client = net.connect({ host: '127.0.0.1', port });
    client.on('error', () => {});
    client.write(request);
    await expect.poll(() => plain.received(0).toString('latin1')).toBe(request);
    client.destroy();
  });

  it('replays the hello and what follows it to the backend byte for byte, however slowly it arrives', async () => {
    const plain = await recordingBackend();
    cleanups.push(() => plain.close());
    const { port } = await tlsRoute(core, 'db.localhost', [plain.url]);
    const slow = await oneByteAtATime(port);
    cleanups.push(() => slow.close());
    // A hello real clients send (Node's, naming db.localhost), then bytes a client could send next.
    const sent = Buffer.concat([helloBytes(capturedHellos.nodeDb), Buffer.from([23, 3, 3, 0, 3, 1, 2, 3])]);
    const client = net.connect({ host: '127.0.0.1', port: slow.port });
    client.on('error', () => {});
    client.write(sent);
    await expect.poll(() => plain.received(0).length, { timeout: 10_000 }).toBe(sent.length);
    expect(plain.received(0).equals(sent)).toBe(true);
    client.destroy();
  });

  it('completes a real handshake whose hello arrives one byte per TCP segment', async () => {
    const db = await backend('db', certificates.db);
    const { port } = await tlsRoute(core, 'db.localhost', [db.url]);
    const slow = await oneByteAtATime(port);
    cleanups.push(() => slow.close());
    expect(await tlsGreeting(slow.port, 'db.localhost', certificates.db)).toEqual({ ok: true, greeting: 'db', fingerprint: certificates.db.fingerprint });
  });

  it('tries another backend when a connect fails, before the client sees anything', async () => {
    const db = await backend('db', certificates.db);
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const route = await tlsRoute(core, 'db.localhost', [dead, db.url]);
    for (let i = 0; i < 3; i++) expect(await tlsGreeting(route.port, 'db.localhost', certificates.db)).toMatchObject({ ok: true, greeting: 'db' });
    const live = await must(core.run('backends.live', {}));
    expect(live.backends[route.backends[0]!.id]!.failures).toBeGreaterThanOrEqual(1);
  });

  it('routes a name added to a port already listening, and stops listening when the last route goes', async () => {
    const [db, web] = [await backend('db', certificates.db), await backend('web', certificates.web)];
    const dbRoute = await tlsRoute(core, 'db.localhost', [db.url]);
    expect(await tlsGreeting(dbRoute.port, 'web.localhost', certificates.web)).toEqual({ ok: false, code: 'ECONNRESET' });
    const webRoute = await tlsRoute(core, 'web.localhost', [web.url], {}, dbRoute.port);
    expect(await tlsGreeting(dbRoute.port, 'web.localhost', certificates.web)).toMatchObject({ ok: true, greeting: 'web' });
    await must(core.run('routes.delete', { id: dbRoute.id }));
    expect(await tlsGreeting(dbRoute.port, 'db.localhost', certificates.db)).toEqual({ ok: false, code: 'ECONNRESET' });
    expect(await tlsGreeting(dbRoute.port, 'web.localhost', certificates.web)).toMatchObject({ ok: true, greeting: 'web' });
    await must(core.run('routes.delete', { id: webRoute.id }));
    expect(await tlsGreeting(dbRoute.port, 'web.localhost', certificates.web)).toEqual({ ok: false, code: 'ECONNREFUSED' });
  });

  it('closes connections beyond a route\'s maxConnections, and not another route\'s', async () => {
    const [db, web] = [await backend('db', certificates.db), await backend('web', certificates.web)];
    const { port } = await tlsRoute(core, 'db.localhost', [db.url], { maxConnections: 1 });
    await tlsRoute(core, 'web.localhost', [web.url], {}, port);
    const held = tls.connect({ host: '127.0.0.1', port, servername: 'db.localhost', ca: certificates.db.cert });
    cleanups.push(() => Promise.resolve(held.destroy()));
    await new Promise((resolve) => held.once('data', resolve));
    expect(await tlsGreeting(port, 'db.localhost', certificates.db)).toEqual({ ok: false, code: 'ECONNRESET' });
    expect(await tlsGreeting(port, 'web.localhost', certificates.web)).toMatchObject({ ok: true, greeting: 'web' });
    const { records } = await must(core.run('traffic.list', {}));
    expect(records.filter((record) => record.end === 'max-connections').map((record) => record.host)).toEqual([`tls://127.0.0.1:${port}/db.localhost`]);
  });
});
