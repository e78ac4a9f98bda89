import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, startCore, tempDir } from '../helpers/core';

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('a client that goes away', () => {
  const dir = tempDir();
  let core: Core;
  let backend: TestBackend;
  let open = 0;
  let closedRequests = 0;

  beforeAll(async () => {
    backend = await startBackend('slow', (req, res) => {
      // Streams forever until the proxy gives up on it.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('tick\n'), 20);
      res.on('close', () => {
        clearInterval(timer);
        closedRequests += 1;
      });
      req.resume();
    });
    backend.server.on('connection', (socket) => {
      open += 1;
      socket.on('close', () => (open -= 1));
    });
    core = await startCore(dir.path);
    // No health checks: their probe connections would count as open sockets here.
    await must(core.run('routes.create', { host: 'slow.localhost', settings: { healthCheck: 'off' }, backends: [{ url: backend.url }] }));
  });
  afterAll(async () => {
    await core.stop();
    await backend.close();
    dir.remove();
  });

  it('closes the backend connection when the client aborts mid-response', async () => {
    const req = http.get({ host: '127.0.0.1', port: proxyPort(core), headers: { host: 'slow.localhost' }, agent: false });
    req.on('error', () => {});
    await new Promise<void>((resolve) => req.on('response', (res) => res.once('data', () => resolve())));
    expect(open).toBe(1);
    req.destroy();
    await until(() => closedRequests === 1 && open === 0, 'the backend connection to close');
  });

  it('closes the backend connection when the client aborts while the backend is still thinking', async () => {
    const thinking = await startBackend('thinking', () => {});
    let thinkingOpen = 0;
    thinking.server.on('connection', (socket) => {
      thinkingOpen += 1;
      socket.on('close', () => (thinkingOpen -= 1));
    });
    await must(core.run('routes.create', { host: 'think.localhost', settings: { healthCheck: 'off' }, backends: [{ url: thinking.url }] }));
    const req = http.get({ host: '127.0.0.1', port: proxyPort(core), headers: { host: 'think.localhost' }, agent: false });
    req.on('error', () => {});
    await until(() => thinking.requests.length === 1, 'the request to reach the backend');
    req.destroy();
    await until(() => thinkingOpen === 0, 'the backend connection to close');
    await thinking.close();
  });
});
