import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TrafficSnapshot } from '../../src/shared/events';
import { resettingBackend, startBackend } from '../helpers/backends';
import { must, proxyPort, request, withCleanCore } from '../helpers/core';
import { fastChecks, waitForBackend } from '../helpers/health';

const hundredKb = 100 * 1024;
const backendDelayMs = 50;
/** Long enough to drain while it is in flight. */
const slowRequestMs = 600;

/** One request through the proxy with a binary body, on a fresh connection; resolves with the status and the body's length. */
function transfer(port: number, host: string, body: Buffer, chunked: boolean): Promise<{ status: number; length: number }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { host, ...(chunked ? {} : { 'content-length': body.length }) };
    const req = http.request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', headers, agent: false }, (res) => {
      let length = 0;
      res.on('data', (chunk: Buffer) => (length += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode!, length }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked) {
      // Two writes: Node sends a chunked body when no length was given.
      req.write(body.subarray(0, body.length / 2));
      req.end(body.subarray(body.length / 2));
    } else req.end(body);
  });
}

describe('per-backend and per-route traffic figures', () => {
  let core: Core;
  const cleanups = withCleanCore((c) => (core = c));
  const live = (): Promise<TrafficSnapshot> => must(core.run('backends.live', {}));
  const closeLater = (...servers: { close: () => Promise<void> }[]) => cleanups.push(...servers.map((server) => () => server.close()));


  it('a backend answering 500 to everything shows its 5xx and an error rate of 1; its healthy sibling shows 0', async () => {
    const failing = await startBackend('failing', (_req, res) => {
      res.statusCode = 500;
      res.end('broken');
    });
    const good = await startBackend('good');
    closeLater(failing, good);
    const route = await must(
      core.run('routes.create', { host: 'fivehundred.localhost', settings: { healthCheck: 'off' }, backends: [{ url: failing.url }, { url: good.url }] }),
    );
    const [failingId, goodId] = route.backends.map((b) => b.id) as [number, number];
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await request(proxyPort(core), 'fivehundred.localhost')).status);

    const snapshot = await live();
    const bad = snapshot.backends[failingId]!;
    const ok = snapshot.backends[goodId]!;
    expect(bad.responses).toEqual({ '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 10 });
    expect(bad.errorRate).toBe(1);
    expect(ok.responses).toEqual({ '2xx': 10, '3xx': 0, '4xx': 0, '5xx': 0 });
    expect(ok.errorRate).toBe(0);
    expect(snapshot.routes[route.id]).toMatchObject({
      requests: 20,
      responses: { '2xx': 10, '5xx': 10 },
      errorsLastMinute: statuses.filter((s) => s === 500).length,
    });
  });

  it("a rate limit's refusals are counted as the route's own 429 answers", async () => {
    const backend = await startBackend('limited');
    closeLater(backend);
    const route = await must(
      core.run('routes.create', { host: 'limit.localhost', settings: { healthCheck: 'off', rateLimitRps: 5, rateLimitBurst: 10 }, backends: [{ url: backend.url }] }),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await request(proxyPort(core), 'limit.localhost')).status);
    const refused = statuses.filter((s) => s === 429).length;
    expect(refused).toBeGreaterThan(0);

    const routeLive = (await live()).routes[route.id]!;
    expect(routeLive.local['429']).toBe(refused);
    expect(routeLive).toMatchObject({ requests: 40, responses: { '2xx': 40 - refused, '4xx': refused } });
    expect((await live()).backends[route.backends[0]!.id]!.served).toBe(40 - refused);
  });

  it('counts a retry on the backend that reset, and the route answers every client', async () => {
    const resetting = await resettingBackend();
    const good = await startBackend('good');
    closeLater(resetting, good);
    const route = await must(
      core.run('routes.create', { host: 'reset.localhost', settings: { healthCheck: 'off', ejectAfter: 0 }, backends: [{ url: resetting.url }, { url: good.url }] }),
    );
    const [resettingId, goodId] = route.backends.map((b) => b.id) as [number, number];
    for (let i = 0; i < 10; i++) expect((await request(proxyPort(core), 'reset.localhost')).status).toBe(200);

    const snapshot = await live();
    const reset = snapshot.backends[resettingId]!;
    expect(resetting.hits()).toBeGreaterThan(0);
    expect(reset).toMatchObject({ retries: resetting.hits(), failures: resetting.hits(), served: 0, errorRate: 1 });
    expect(snapshot.backends[goodId]).toMatchObject({ retries: 0, failures: 0, served: 10, errorRate: 0 });
    expect(snapshot.routes[route.id]).toMatchObject({ requests: 10, responses: { '2xx': 10, '5xx': 0 }, errorsLastMinute: resetting.hits() });
  });

  it(`latency p50 is about the ${backendDelayMs} ms a backend waits before answering`, async () => {
    const slow = await startBackend('slow', (_req, res) => {
      setTimeout(() => res.end('late'), backendDelayMs);
    });
    closeLater(slow);
    const route = await must(core.run('routes.create', { host: 'slow.localhost', settings: { healthCheck: 'off' }, backends: [{ url: slow.url }] }));
    for (let i = 0; i < 10; i++) await request(proxyPort(core), 'slow.localhost');

    const { p50, p95 } = (await live()).backends[route.backends[0]!.id]!.latency;
    expect(p50).toBeGreaterThanOrEqual(backendDelayMs - 2);
    // Generous: the machine is shared, but a fast backend would read a few ms.
    expect(p50).toBeLessThan(backendDelayMs * 3);
    expect(p95).toBeGreaterThanOrEqual(p50!);
  });

  it('counts 100 KB uploaded and downloaded as body bytes, with and without a length', async () => {
    const echo = await startBackend('echo', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        // The first answer has a length, the second is chunked.
        if (echo.requests.length === 1) res.setHeader('content-length', body.length);
        res.end(body);
      });
    });
    closeLater(echo);
    const route = await must(core.run('routes.create', { host: 'bytes.localhost', settings: { healthCheck: 'off', compression: false }, backends: [{ url: echo.url }] }));
    const body = Buffer.alloc(hundredKb, 'x');
    expect(await transfer(proxyPort(core), 'bytes.localhost', body, false)).toEqual({ status: 200, length: hundredKb });
    const id = route.backends[0]!.id;
    // The exchange is counted when the client's response closes, a moment after the client read it.
    await waitForBackend(core, id, (s) => s.bytesOut > 0);
    expect((await live()).backends[id]).toMatchObject({ bytesIn: hundredKb, bytesOut: hundredKb });

    expect(await transfer(proxyPort(core), 'bytes.localhost', body, true)).toEqual({ status: 200, length: hundredKb });
    await waitForBackend(core, id, (s) => s.bytesOut > hundredKb);
    expect((await live()).backends[id]).toMatchObject({ bytesIn: 2 * hundredKb, bytesOut: 2 * hundredKb });
  });

  it('since of a just switched off, drained or switched on backend is now, not when its health last changed', async () => {
    const backend = await startBackend('steady', (req, res) => {
      setTimeout(() => res.end('steady'), req.url === '/slow' ? slowRequestMs : 0);
    });
    const other = await startBackend('other');
    closeLater(backend, other);
    const route = await must(core.run('routes.create', { host: 'since.localhost', settings: fastChecks, backends: [{ url: backend.url }, { url: other.url }] }));
    const id = route.backends[0]!.id;
    await waitForBackend(core, id, (s) => s.status === 'healthy');
    // Healthy for a while: a since taken from the health state would now be seconds old.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const age = async () => Date.now() - Date.parse((await live()).backends[id]!.since);

    await must(core.run('backends.setEnabled', { id, enabled: false }));
    expect((await live()).backends[id]!.status).toBe('disabled');
    expect(await age()).toBeLessThan(1_000);

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await must(core.run('backends.setEnabled', { id, enabled: true }));
    await waitForBackend(core, id, (s) => s.status === 'healthy');
    expect(await age()).toBeLessThan(1_000);

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await must(core.run('backends.drain', { id }));
    expect((await live()).backends[id]!.status).toBe('drained');
    expect(await age()).toBeLessThan(1_000);

    // Draining with a request in flight: drained from when that request ended, not from the drain.
    await must(core.run('backends.setEnabled', { id, enabled: true }));
    await waitForBackend(core, id, (s) => s.status === 'healthy');
    // Round robin: one of two requests goes to each backend.
    const inFlight = [request(proxyPort(core), 'since.localhost', '/slow'), request(proxyPort(core), 'since.localhost', '/slow')];
    await waitForBackend(core, id, (s) => s.active === 1);
    await must(core.run('backends.drain', { id }));
    const drainedAt = Date.now();
    expect((await live()).backends[id]!.status).toBe('draining');
    await Promise.all(inFlight);
    const drained = await waitForBackend(core, id, (s) => s.status === 'drained');
    expect(Date.parse(drained.since) - drainedAt).toBeGreaterThan(slowRequestMs / 2);
  });
});
