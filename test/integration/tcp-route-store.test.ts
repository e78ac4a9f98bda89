import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { databaseFile } from '../../src/main/core/core';
import { openDatabase } from '../../src/main/core/store/database';
import { migrations } from '../../src/main/core/store/migrations';
import { startBackend } from '../helpers/backends';
import { freePort, must, proxyPort, request, startCore, tempDir, withCleanCore } from '../helpers/core';

// TCP routes in the store: a database written before route kinds opens with
// every route an HTTP route, and the contract refuses what a TCP route
// cannot do with a sentence naming the field.

let core: Core;
withCleanCore((c) => (core = c));

async function refusal(name: Parameters<Core['run']>[0], input: unknown) {
  const answer = await core.run(name, input);
  if (answer.ok) throw new Error(`${name} was accepted: ${JSON.stringify(answer.result)}`);
  return answer.error;
}

describe('TCP routes in the store', () => {
  it('a database from before route kinds opens with its routes as HTTP routes that still serve', async () => {
    const dir = tempDir();
    const backend = await startBackend('old');
    try {
      const before = openDatabase(databaseFile(dir.path), { migrations: migrations.filter((m) => m.version <= 4) });
      const routeId = Number(before.prepare("INSERT INTO routes (host, path, settings) VALUES ('old.localhost', '/', '{\"healthCheck\":\"off\"}')").run().lastInsertRowid);
      before.prepare('INSERT INTO backends (route_id, url) VALUES (?, ?)').run(routeId, backend.url);
      expect(before.pragma('user_version', { simple: true })).toBe(4);
      before.close();

      const upgraded = await startCore(dir.path);
      try {
        const routes = await must(upgraded.run('routes.list', {}));
        expect(routes.map((r) => ({ kind: r.kind, host: r.host }))).toEqual([{ kind: 'http', host: 'old.localhost' }]);
        expect((await request(proxyPort(upgraded), 'old.localhost')).body).toBe('old');
        const port = await freePort();
        const tcp = await must(upgraded.run('routes.create', { host: `tcp://127.0.0.1:${port}`, backends: [{ url: 'tcp://127.0.0.1:5432' }], settings: { healthCheck: 'off' } }));
        expect(tcp.kind).toBe('tcp');
      } finally {
        await upgraded.stop();
      }
    } finally {
      await backend.close();
      dir.remove();
    }
  });

  it('stores a listen URL in one form: localhost is 127.0.0.1, IPv6 compressed, one route per address and port', async () => {
    const port = await freePort();
    const route = await must(core.run('routes.create', { host: ` TCP://LocalHost:${port}/ `, backends: [{ url: 'TCP://DB.Local:5432' }], settings: { healthCheck: 'off' } }));
    expect({ kind: route.kind, host: route.host, path: route.path, backend: route.backends[0]!.url, idleTimeoutMs: route.settings.idleTimeoutMs }).toEqual({
      kind: 'tcp',
      host: `tcp://127.0.0.1:${port}`,
      path: '/',
      backend: 'tcp://db.local:5432',
      // nginx stream's proxy_timeout, not an HTTP route's 60 s: pooled database connections sit idle for minutes.
      idleTimeoutMs: 600_000,
    });
    expect(await refusal('routes.create', { host: `tcp://127.0.0.1:${port}` })).toEqual({
      code: 'ROUTE_EXISTS',
      message: `A TCP route already listens on tcp://127.0.0.1:${port}. Add backends to it, or choose another port.`,
      field: 'host',
    });
    const v6 = await must(core.run('routes.create', { host: `tcp://[0:0:0:0:0:0:0:1]:${await freePort()}`, settings: { healthCheck: 'off' } }));
    expect(v6.host).toMatch(/^tcp:\/\/\[::1\]:\d+$/);
  });

  it('refuses listen URLs that are not an IP address and a port', async () => {
    expect((await refusal('routes.create', { host: 'tcp://db.example.com:5432' })).message).toBe(
      'A TCP route listens on an IP address of this machine, for example tcp://127.0.0.1:15432 (or tcp://[::1]:15432); "db.example.com" is not one.',
    );
    expect((await refusal('routes.create', { host: 'tcp://127.0.0.1' })).message).toBe(
      'Add the port the TCP route listens on, for example tcp://127.0.0.1:15432 (or tcp://[::1]:15432).',
    );
    expect((await refusal('routes.create', { host: 'tcp://127.0.0.1:5432/db' })).field).toBe('host');
  });

  it('refuses what only HTTP routes have on a TCP route, naming the field', async () => {
    const host = `tcp://127.0.0.1:${await freePort()}`;
    expect(await refusal('routes.create', { host, settings: { stripPrefix: true } })).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'stripPrefix applies to HTTP routes only: a TCP route relays bytes without reading them. Leave it out.',
      field: 'settings.stripPrefix',
    });
    expect((await refusal('routes.create', { host, settings: { healthCheck: 'http' } })).field).toBe('settings.healthCheck');
    // Settings added for HTTP after TCP routes (the cache) are refused too.
    expect((await refusal('routes.create', { host, settings: { cache: true } })).field).toBe('settings.cache');
    expect((await refusal('routes.create', { host, path: '/api' })).message).toBe('A TCP route has no path prefix (/api): it takes every connection to its address.');
    expect(await refusal('routes.create', { host, backends: [{ url: 'http://127.0.0.1:3000' }] })).toMatchObject({ field: 'backends.0.url' });
    expect(await refusal('routes.create', { host, backends: [{ url: 'tcp://127.0.0.1:5432', health: { healthPath: '/x' } }] })).toMatchObject({
      field: 'backends.0.health.healthPath',
    });
    expect((await refusal('routes.create', { host: 'api.localhost', backends: [{ url: 'tcp://127.0.0.1:5432' }] })).message).toBe(
      "An HTTP route's backends are http:// or https:// URLs; tcp://127.0.0.1:5432 belongs behind a TCP route (switchyard route add tcp://127.0.0.1:PORT --backend tcp://127.0.0.1:5432).",
    );

    const route = await must(core.run('routes.create', { host, backends: [{ url: 'tcp://127.0.0.1:5432' }], settings: { healthCheck: 'off' } }));
    expect(await refusal('routes.update', { id: route.id, settings: { compression: true } })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'settings.compression' });
    expect((await refusal('routes.update', { id: route.id, host: 'api.localhost' })).message).toBe(
      'A TCP route keeps a tcp:// address; api.localhost would make it an HTTP route. Add an HTTP route for it instead.',
    );
    expect(await refusal('backends.add', { routeId: route.id, url: 'https://127.0.0.1:8443' })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'url' });
    expect(await refusal('backends.update', { id: route.backends[0]!.id, health: { healthStatuses: '2xx' } })).toMatchObject({ field: 'health.healthStatuses' });
    // What fits a TCP route is taken.
    const updated = await must(core.run('routes.update', { id: route.id, algorithm: 'random-two-choices', settings: { maxConnections: 10, idleTimeoutMs: 1_000, retries: 1 } }));
    expect({ algorithm: updated.algorithm, max: updated.settings.maxConnections }).toEqual({ algorithm: 'random-two-choices', max: 10 });
  });
});
