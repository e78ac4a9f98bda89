import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';

describe('timeouts', () => {
  const dir = tempDir();
  let core: Core;
  let silent: TestBackend;
  let stalls: TestBackend;

  beforeAll(async () => {
    silent = await startBackend('silent', (req) => req.resume());
    stalls = await startBackend('stalls', (req, res) => {
      req.resume();
      res.writeHead(200);
      res.write('start');
    });
    core = await startCore(dir.path);
  });
  afterAll(async () => {
    await core.stop();
    await Promise.all([silent.close(), stalls.close()]);
    dir.remove();
  });

  it('a backend that sends no response headers in time gets a 502 that says so', async () => {
    await must(core.run('routes.create', { host: 'silent.localhost', settings: { responseHeaderTimeoutMs: 150, retries: 0 }, backends: [{ url: silent.url }] }));
    const res = await request(proxyPort(core), 'silent.localhost');
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/no response headers within 150 ms/);
  });

  it('a response that stalls longer than the idle timeout is aborted', async () => {
    await must(core.run('routes.create', { host: 'stalls.localhost', settings: { idleTimeoutMs: 150 }, backends: [{ url: stalls.url }] }));
    await expect(request(proxyPort(core), 'stalls.localhost')).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
  });

  it('answers 408 and closes a client connection that never finishes its headers (slowloris)', async () => {
    const strict = tempDir();
    const guarded = await Core.start({ dataDir: strict.path, httpPort: 0, httpAddresses: ['127.0.0.1'] });
    await must(guarded.run('settings.update', { requestHeaderTimeoutMs: 300 }));
    const socket = net.connect(guarded.engine.listeners()[0]!.port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: silent.localhost\r\nX-Slow: ');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => {});
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    await guarded.stop();
    strict.remove();
  });

  it('refuses request heads larger than the limit with 431', async () => {
    const res = await request(proxyPort(core), 'silent.localhost', '/', { headers: { 'x-big': 'y'.repeat(20 * 1024) } });
    expect(res.status).toBe(431);
  });
});
