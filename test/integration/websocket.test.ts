import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Core } from '../../src/main/core/core';
import { must, proxyPort, startCore, tempDir } from '../helpers/core';
import { nextMessage, openWebSocket, wsBackend, type WsBackend } from '../helpers/ws-backend';

const until = async (condition: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const open = (port: number, path = '/') => openWebSocket(port, 'ws.localhost', path);

describe('WebSocket through the proxy', () => {
  const dir = tempDir();
  let core: Core;
  let a: WsBackend;
  let b: WsBackend;

  beforeAll(async () => {
    [a, b] = await Promise.all([wsBackend('a'), wsBackend('b')]);
    core = await startCore(dir.path);
    await must(core.run('routes.create', { host: 'ws.localhost', backends: [{ url: a.url }, { url: b.url }] }));
  });
  afterAll(async () => {
    await core.stop();
    await Promise.all([a.close(), b.close()]);
    dir.remove();
  });

  it('echoes messages both ways and balances connections like requests', async () => {
    const first = await open(proxyPort(core));
    const second = await open(proxyPort(core));
    const replies = [nextMessage(first), nextMessage(second)];
    first.send('hello');
    second.send('hello');
    expect((await Promise.all(replies)).sort()).toEqual(['a: hello', 'b: hello']);
    for (let i = 0; i < 20; i++) {
      const reply = nextMessage(first);
      first.send(`m${i}`);
      expect(await reply).toMatch(new RegExp(`^[ab]: m${i}$`));
    }
    first.close();
    second.close();
    await until(() => a.connections.size === 0 && b.connections.size === 0);
  });

  it('tears down the backend side when the client goes away', async () => {
    const ws = await open(proxyPort(core));
    await until(() => a.connections.size + b.connections.size === 1);
    ws.terminate();
    await until(() => a.connections.size + b.connections.size === 0);
  });

  it('tears down the client side when the backend goes away', async () => {
    const ws = await open(proxyPort(core));
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await until(() => a.connections.size + b.connections.size === 1);
    for (const backendWs of [...a.connections, ...b.connections]) backendWs.terminate();
    await closed;
  });

  it("passes a backend's refusal to upgrade on to the client", async () => {
    const outcome = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${proxyPort(core)}/refuse`, { headers: { host: 'ws.localhost' } });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      ws.once('open', () => reject(new Error('upgrade should have been refused')));
      ws.once('error', () => {});
    });
    expect(outcome).toEqual({ status: 403, body: 'not for you\r\n' });
  });

  it('answers 404 to an upgrade for an unknown host', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${proxyPort(core)}/`, { headers: { host: 'nope.localhost' } });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.once('error', () => {});
    });
    expect(status).toBe(404);
  });
});

describe('upgrade retries', () => {
  it('an upgrade the backend resets before answering is retried on another backend', async () => {
    const dir = tempDir();
    const good = await wsBackend('good');
    let resets = 0;
    const resetting = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        resets++;
        socket.resetAndDestroy();
      });
    });
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    const core = await startCore(dir.path);
    try {
      const resettingUrl = `http://127.0.0.1:${(resetting.address() as net.AddressInfo).port}`;
      // Checks off: a TCP check would pass for the resetting backend anyway; this is about the retry.
      await must(core.run('routes.create', { host: 'ws.localhost', settings: { healthCheck: 'off', ejectAfter: 0 }, backends: [{ url: resettingUrl }, { url: good.url }] }));
      for (let i = 0; i < 4; i++) {
        const ws = await open(proxyPort(core));
        const reply = nextMessage(ws);
        ws.send('hi');
        expect(await reply).toBe('good: hi');
        ws.close();
      }
      expect(resets).toBeGreaterThan(0);
    } finally {
      await core.stop();
      await good.close();
      resetting.close();
      dir.remove();
    }
  });
});

describe('stopping with WebSockets open', () => {
  it('closes upgraded connections too once the grace time is over, so stopping never hangs (Vite keeps its HMR socket open)', async () => {
    const dir = tempDir();
    const backend = await wsBackend('hmr');
    const core = await startCore(dir.path);
    try {
      await must(core.run('routes.create', { host: 'ws.localhost', backends: [{ url: backend.url }] }));
      const ws = await open(proxyPort(core));
      const closed = new Promise((resolve) => ws.once('close', resolve));
      const started = Date.now();
      await core.stop();
      await closed;
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await backend.close();
      dir.remove();
    }
  });
});
