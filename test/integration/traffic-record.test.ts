import http from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { Core } from '../../src/main/core/core';
import { dial } from '../../src/main/core/engine/upstream/dialer';
import type { TrafficRecord } from '../../src/shared/traffic';
import { backendsClosedBy } from '../helpers/backends';
import { freePort, must, proxyPort, request, withCleanCore } from '../helpers/core';
import { messageText } from '../helpers/ws-text';

// Every proxied exchange leaves one record in the engine's ring, built from
// what the exchange saw: which backend, why, each attempt with its failure
// flag, status, timings and bytes. Real sockets throughout.

const recordWaitMs = 3_000;

describe('traffic record', () => {
  let core: Core;
  const cleanups = withCleanCore((c) => (core = c));

  const backend = backendsClosedBy(cleanups);

  /** The records after `after`, once `count` of them are there (records land as the response closes). */
  async function records(after: number, count: number): Promise<TrafficRecord[]> {
    const deadline = Date.now() + recordWaitMs;
    for (;;) {
      const { records } = await must(core.run('traffic.list', { after }));
      if (records.length >= count) return records;
      if (Date.now() > deadline) throw new Error(`expected ${count} records, got ${JSON.stringify(records)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function lastId(): Promise<number> {
    const { records } = await must(core.run('traffic.list', { limit: 1 }));
    return records.at(-1)?.id ?? 0;
  }

  it('a retried request shows both attempts: the refused one with UF, then the one that answered', async () => {
    const alive = await backend('alive');
    const dead = `http://127.0.0.1:${await freePort()}`;
    await must(core.run('routes.create', { host: 'rec.localhost', settings: { healthCheck: 'off' }, backends: [{ url: dead }, { url: alive.url }] }));
    const start = await lastId();
    for (let i = 0; i < 2; i++) expect(await request(proxyPort(core), 'rec.localhost', '/x')).toMatchObject({ status: 200, body: 'alive' });
    const retried = (await records(start, 2)).find((r) => r.attempts.length === 2)!;
    expect(retried).toMatchObject({ route: 'rec.localhost', method: 'GET', path: '/x', status: 200, flags: [], backend: alive.url, protocol: 'HTTP/1.1', tls: null });
    expect(retried.attempts[0]).toMatchObject({ url: dead, status: null, failure: { kind: 'refused', phase: 'connect', flag: 'UF' } });
    expect(retried.attempts[0]!.why).toMatch(/^round-robin: /);
    expect(retried.attempts[1]).toMatchObject({ url: alive.url, status: 200, failure: null });
    expect(retried.attempts[1]!.why).toMatch(/^retry 1 after 127\.0\.0\.1:\d+ failed \(UF\); round-robin: /);
    expect(retried.attempts[1]!.startMs).toBeGreaterThanOrEqual(retried.attempts[0]!.startMs);
    expect(retried.ttfbMs).toBeGreaterThan(0);
    expect(retried.totalMs).toBeGreaterThanOrEqual(retried.ttfbMs!);
  });

  it('when every attempt fails the record says so: 502 with UF and URX (retries exhausted)', async () => {
    const dead = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
    await must(core.run('routes.create', { host: 'rec.localhost', settings: { healthCheck: 'off' }, backends: dead.map((url) => ({ url })) }));
    const start = await lastId();
    expect((await request(proxyPort(core), 'rec.localhost')).status).toBe(502);
    const [record] = await records(start, 1);
    expect(record).toMatchObject({ status: 502, flags: ['UF', 'URX'] });
    expect(record!.attempts.map((a) => a.failure?.flag)).toEqual(['UF', 'UF']);
  });

  it('a backend that resets mid-body: the client sees the cut, the record says UC in the body phase', async () => {
    const cutter = await backend('cutter', (req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write('x'.repeat(1000), () => setTimeout(() => req.socket.resetAndDestroy(), 50));
    });
    await must(core.run('routes.create', { host: 'rec.localhost', settings: { healthCheck: 'off', retries: 0 }, backends: [{ url: cutter.url }] }));
    const start = await lastId();
    await expect(request(proxyPort(core), 'rec.localhost')).rejects.toThrow();
    const [record] = await records(start, 1);
    expect(record).toMatchObject({ status: 200, flags: ['UC'] });
    expect(record!.attempts[0]!.failure).toMatchObject({ kind: 'reset', phase: 'body', flag: 'UC' });
    expect(record!.bytesOut).toBeGreaterThanOrEqual(1000);
  });

  it('a client that leaves before the answer: DC, no status, and the backend attempt ends', async () => {
    const slow = await backend('slow', (_req, res) => setTimeout(() => res.end('late'), 1_000));
    await must(core.run('routes.create', { host: 'rec.localhost', settings: { healthCheck: 'off' }, backends: [{ url: slow.url }] }));
    const start = await lastId();
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: proxyPort(core), path: '/', headers: { host: 'rec.localhost' } });
      req.on('error', () => resolve());
      setTimeout(() => req.destroy(), 100);
    });
    const [record] = await records(start, 1);
    expect(record).toMatchObject({ status: 0, flags: ['DC'], ttfbMs: null, backend: slow.url });
    const live = await must(core.run('backends.live', {}));
    expect(Object.values(live.backends).every((b) => b.active === 0)).toBe(true);
  });

  it('a WebSocket: 101, the upgrade asked for, how long the tunnel stayed open and the bytes both ways', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo ${messageText(data)}`)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      server.close(resolve);
    }));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await must(core.run('routes.create', { host: 'ws.localhost', settings: { healthCheck: 'off' }, backends: [{ url }] }));
    const start = await lastId();
    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort(core)}/live`, { headers: { host: 'ws.localhost' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'));
      ws.on('message', (data) => resolve(messageText(data)));
      ws.on('error', reject);
    });
    expect(reply).toBe('echo hello');
    await new Promise((resolve) => setTimeout(resolve, 50));
    ws.close();
    const [record] = await records(start, 1);
    expect(record).toMatchObject({ status: 101, upgrade: 'websocket', path: '/live', flags: [], backend: url });
    expect(record!.upgradeMs).toBeGreaterThanOrEqual(50);
    expect(record!.bytesIn).toBeGreaterThan(0);
    expect(record!.bytesOut).toBeGreaterThan(0);
  });

  it("the ring keeps the newest trafficRecords; 0 keeps none; answers of Switchyard's own are recorded (NR)", async () => {
    const alive = await backend('alive');
    await must(core.run('routes.create', { host: 'rec.localhost', settings: { healthCheck: 'off' }, backends: [{ url: alive.url }] }));
    try {
      await must(core.run('settings.update', { trafficRecords: 5 }));
      for (let i = 0; i < 12; i++) await request(proxyPort(core), 'rec.localhost', `/${i}`);
      await request(proxyPort(core), 'nowhere.localhost', '/');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const kept = await must(core.run('traffic.list', {}));
      expect(kept.capacity).toBe(5);
      expect(kept.records.map((r) => r.path)).toEqual(['/8', '/9', '/10', '/11', '/']);
      expect(kept.records.at(-1)).toMatchObject({ routeId: null, status: 404, flags: ['NR'], attempts: [] });
      await must(core.run('settings.update', { trafficRecords: 0 }));
      await request(proxyPort(core), 'rec.localhost', '/');
      expect((await must(core.run('traffic.list', {}))).records).toEqual([]);
    } finally {
      await must(core.run('settings.update', { trafficRecords: 10_000 }));
    }
  });

  it('keeps no query values and no credentials: the path shows that there was a query, the trace redacts Authorization and Cookie', async () => {
    const alive = await backend('alive');
    await must(core.run('routes.create', { host: 'rec.localhost', settings: { healthCheck: 'off' }, backends: [{ url: alive.url }] }));
    const start = await lastId();
    await request(proxyPort(core), 'rec.localhost', '/login?token=s3cret', { headers: { authorization: 'Bearer s3cret', cookie: 'sid=s3cret', 'x-trace': 'kept' } });
    const [record] = await records(start, 1);
    expect(record!.path).toBe('/login?…');
    const trace = await must(core.run('traffic.get', { id: record!.id }));
    const headers = Object.fromEntries(trace.requestHeaders.flatMap((v, i, all) => (i % 2 ? [] : [[v.toLowerCase(), all[i + 1]]])));
    expect(headers).toMatchObject({ authorization: 'REDACTED', cookie: 'REDACTED', 'x-trace': 'kept' });
    expect(JSON.stringify(trace)).not.toContain('s3cret');
    expect(trace.responseHeaders.length).toBeGreaterThan(0);
    expect((await core.run('traffic.get', { id: 999_999_999 })).ok).toBe(false);
  });

  it("least-connections explains its choice with the in-flight counts it chose on", async () => {
    const slow = await backend('slow', (_req, res) => setTimeout(() => res.end('slow'), 300));
    const fast = await backend('fast');
    await must(core.run('routes.create', { host: 'rec.localhost', algorithm: 'least-connections', settings: { healthCheck: 'off' }, backends: [{ url: slow.url }, { url: fast.url }] }));
    const start = await lastId();
    const first = request(proxyPort(core), 'rec.localhost', '/a');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await request(proxyPort(core), 'rec.localhost', '/b');
    await first;
    const second = (await records(start, 2)).find((r) => r.path === '/b')!;
    expect(second.attempts[0]!.why).toMatch(/^least-connections: 127\.0\.0\.1:\d+ had 0 in flight, 127\.0\.0\.1:\d+ 1$/);
  });

  it('the dialer seam: a decorator sees every upstream connection, and its failure is retried and recorded like a real one', async () => {
    const one = await backend('one');
    const two = await backend('two');
    const closed = await freePort();
    // What fault injection will do: send connections for `one` somewhere that refuses them.
    core.engine.decorateDialer((dial) => (origin, options) => dial(origin.port === one.port ? { ...origin, port: closed } : origin, options));
    await must(core.run('routes.create', { host: 'rec.localhost', settings: { healthCheck: 'off' }, backends: [{ url: one.url }, { url: two.url }] }));
    const start = await lastId();
    for (let i = 0; i < 4; i++) expect(await request(proxyPort(core), 'rec.localhost')).toMatchObject({ status: 200, body: 'two' });
    expect(one.requests.length).toBe(0);
    const failed = (await records(start, 4)).filter((r) => r.attempts.length === 2);
    expect(failed.length).toBe(2);
    for (const record of failed) expect(record.attempts[0]).toMatchObject({ url: one.url, failure: { kind: 'refused', flag: 'UF' } });
    // Back to the plain dialer for whatever runs next on this core.
    core.engine.decorateDialer(() => dial);
  });
});
