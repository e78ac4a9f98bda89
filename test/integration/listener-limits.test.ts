import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { defaultProxySettings } from '../../src/shared/proxy-settings';
import { startBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir, withCore } from '../helpers/core';

/** Everything the proxy answers on a raw connection until it closes it. */
function answerUntilClose(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => {});
  });
}

const connect = (core: Core) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(proxyPort(core), '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });

describe('listener limits are settings, applied without a restart', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('defaults: a 10 s request-head deadline (HAProxy timeout http-request), 16 KiB heads, 5 s keep-alive, 4096 connections, 10,000 traffic records, no access log', async () => {
    expect(await must(core.run('settings.get', {}))).toEqual({
      requestHeaderTimeoutMs: 10_000,
      maxHeaderBytes: 16_384,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 4_096,
      trafficRecords: 10_000,
      accessLog: false,
      accessLogMaxBytes: 10 * 1024 * 1024,
      useStandardPorts: false,
    });
    expect(defaultProxySettings.requestHeaderTimeoutMs).toBe(10_000);
  });

  it('refuses values outside their range with a sentence, and changes nothing', async () => {
    const refused = await core.run('settings.update', { requestHeaderTimeoutMs: 5 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'requestHeaderTimeoutMs', message: 'The request head timeout is at least 100 ms.' } });
    expect((await core.run('settings.update', { maxConnections: 1.5 })).ok).toBe(false);
    expect((await core.run('settings.update', { unknown: 1 })).ok).toBe(false);
    expect(await must(core.run('settings.get', {}))).toEqual(defaultProxySettings);
  });

  it('a shorter head deadline cuts a slow client with 408 (connections opened from then on, as after an nginx reload)', async () => {
    await must(core.run('settings.update', { requestHeaderTimeoutMs: 300 }));
    const early = await connect(core);
    early.write('GET / HTTP/1.1\r\nHost: slow.localhost\r\nX-Slow: ');
    const started = Date.now();
    expect(await answerUntilClose(early)).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await must(core.run('settings.update', { requestHeaderTimeoutMs: defaultProxySettings.requestHeaderTimeoutMs }));
  });

  it('a smaller head limit answers 431', async () => {
    const big = { 'x-big': 'y'.repeat(4_000) };
    expect((await request(proxyPort(core), 'none.localhost', '/', { headers: big })).status).toBe(404);
    await must(core.run('settings.update', { maxHeaderBytes: 2_048 }));
    expect((await request(proxyPort(core), 'none.localhost', '/', { headers: big })).status).toBe(431);
    await must(core.run('settings.update', { maxHeaderBytes: defaultProxySettings.maxHeaderBytes }));
  });

  it('a shorter keep-alive timeout closes idle client connections sooner', async () => {
    await must(core.run('settings.update', { keepAliveTimeoutMs: 200 }));
    const socket = await connect(core);
    const closed = answerUntilClose(socket);
    socket.write('GET / HTTP/1.1\r\nHost: none.localhost\r\n\r\n');
    const started = Date.now();
    expect(await closed).toMatch(/^HTTP\/1\.1 404/);
    // Closed by the proxy while idle, well before the 5 s default.
    expect(Date.now() - started).toBeLessThan(3_000);
    await must(core.run('settings.update', { keepAliveTimeoutMs: defaultProxySettings.keepAliveTimeoutMs }));
  });

  it('over the connection limit, new connections are closed until one ends', async () => {
    const backend = await startBackend('app');
    await must(core.run('routes.create', { host: 'limited.localhost', backends: [{ url: backend.url }], settings: { healthCheck: 'off' } }));
    await must(core.run('settings.update', { maxConnections: 2 }));
    const held = [await connect(core), await connect(core)];
    const third = await connect(core);
    expect(await answerUntilClose(third)).toBe('');
    held[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await request(proxyPort(core), 'limited.localhost')).body).toBe('app');
    held[1]!.destroy();
    await must(core.run('settings.update', { maxConnections: defaultProxySettings.maxConnections }));
    await backend.close();
  });

  it('settings survive a restart, and the change is on the timeline', async () => {
    const dir = tempDir();
    let own = await startCore(dir.path);
    await must(own.run('settings.update', { requestHeaderTimeoutMs: 2_500 }));
    expect((await must(own.run('timeline.list', {})))[0]!.message).toBe('Proxy settings changed: requestHeaderTimeoutMs 2500.');
    await own.stop();
    own = await startCore(dir.path);
    expect((await must(own.run('settings.get', {}))).requestHeaderTimeoutMs).toBe(2_500);
    await own.stop();
    dir.remove();
  });
});
