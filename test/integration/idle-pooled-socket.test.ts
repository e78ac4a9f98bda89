import http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';

/**
 * The race a keep-alive pool must survive: the backend closes a connection
 * it considers idle just as the proxy reuses it. Here the backend answers the
 * first request on each connection and drops the connection, unanswered, when
 * a second request arrives on it: the proxy's pooled socket is dead on reuse.
 */
describe('pooled connections the backend closed', () => {
  const dir = tempDir();
  let core: Core;
  let server: http.Server;
  const served = new WeakMap<Socket, number>();
  let dropped = 0;

  beforeAll(async () => {
    server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count > 1) {
        dropped += 1;
        req.socket.destroy();
        return;
      }
      req.resume();
      res.end('fresh');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    core = await startCore(dir.path);
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await must(core.run('routes.create', { host: 'pool.localhost', backends: [{ url }] }));
  });
  afterAll(async () => {
    await core.stop();
    server.closeAllConnections();
    server.close();
    dir.remove();
  });

  it('retries idempotent requests on a fresh connection: the client never sees the error', async () => {
    for (let i = 0; i < 5; i++) expect(await request(proxyPort(core), 'pool.localhost')).toMatchObject({ status: 200, body: 'fresh' });
    expect(dropped).toBeGreaterThan(0);
  });

  it('drops pooled connections the backend closed while idle', async () => {
    const quick = http.createServer({ keepAliveTimeout: 50 }, (req, res) => {
      req.resume();
      res.end('quick');
    });
    await new Promise<void>((resolve) => quick.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(quick.address() as { port: number }).port}`;
    await must(core.run('routes.create', { host: 'quick.localhost', backends: [{ url }] }));
    for (let i = 0; i < 4; i++) {
      expect(await request(proxyPort(core), 'quick.localhost', '/', { method: 'POST', body: 'x' })).toMatchObject({ status: 200, body: 'quick' });
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    quick.close();
  });
});
