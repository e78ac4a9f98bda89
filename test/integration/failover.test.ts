import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { Route } from '../../src/shared/model';
import { freePorts, must, proxyPort, startCore, tempDir } from '../helpers/core';
import { waitForBackend } from '../helpers/health';

const interval = 200;
const fall = 3;
const rise = 2;

/** A backend in its own process, so it can be SIGKILLed like a crashing dev server. */
async function backendProcess(name: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [
    '-e',
    `require('http').createServer((q, s) => { q.resume(); q.on('end', () => s.end(${JSON.stringify(name)})); }).listen(${port}, '127.0.0.1', () => console.log('ready'))`,
  ]);
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`backend ${name} exited with ${code}`)));
  });
  return child;
}

/** Steady traffic from `workers` clients, each sending one request after another until `until`. */
async function load(port: number, workers: number, until: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const outcome = { ok: 0, failed: 0, errors: [] as string[], by: new Map<string, number>() };
  const one = () =>
    new Promise<void>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, headers: { host: 'failover.localhost' }, agent }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => {
            if (res.statusCode === 200) {
              outcome.ok += 1;
              outcome.by.set(body, (outcome.by.get(body) ?? 0) + 1);
            } else {
              outcome.failed += 1;
              outcome.errors.push(`${res.statusCode} ${body.slice(0, 200)}`);
            }
            resolve();
          });
          res.on('error', (error) => {
            outcome.failed += 1;
            outcome.errors.push(error.message);
            resolve();
          });
        })
        .on('error', (error) => {
          outcome.failed += 1;
          outcome.errors.push(error.message);
          resolve();
        });
    });
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < until) await one();
    }),
  );
  agent.destroy();
  return outcome;
}

/** Backends a and b as processes (added to `children`), a core and a checked route over both. */
async function failoverRoute(dataDir: string, children: ChildProcess[], intervalMs: number): Promise<{ core: Core; route: Route; ports: [number, number] }> {
  const [a, b] = await freePorts(2);
  const ports: [number, number] = [a!, b!];
  children.push(await backendProcess('a', ports[0]), await backendProcess('b', ports[1]));
  const core = await startCore(dataDir);
  const route = await must(
    core.run('routes.create', {
      host: 'failover.localhost',
      settings: { healthIntervalMs: intervalMs, healthTimeoutMs: 150, healthFall: fall, healthRise: rise },
      backends: ports.map((port) => ({ url: `http://127.0.0.1:${port}` })),
    }),
  );
  return { core, route, ports };
}

describe('failover users do not notice', () => {
  const dir = tempDir();
  let core: Core;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await core?.stop();
    dir.remove();
  });

  it('a backend SIGKILLed under steady load costs no failed request; it is marked down within fall × interval and back within rise × interval of restarting', async () => {
    const setup = await failoverRoute(dir.path, children, interval);
    core = setup.core;
    const { route } = setup;
    const portB = setup.ports[1];
    const bId = route.backends[1]!.id;
    await waitForBackend(core, bId, (s) => s.status === 'healthy');

    const start = Date.now();
    const traffic = load(proxyPort(core), 8, start + 10_000);

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    children[1]!.kill('SIGKILL');
    const killedAt = Date.now();
    await waitForBackend(core, bId, (s) => s.status === 'unhealthy' || s.status === 'ejected', 5_000);
    const downAfter = Date.now() - killedAt;

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    children.push(await backendProcess('b', portB));
    const restartedAt = Date.now();
    await waitForBackend(core, bId, (s) => s.status === 'healthy', 5_000);
    const upAfter = Date.now() - restartedAt;

    const outcome = await traffic;
    expect(outcome.errors).toEqual([]);
    expect(outcome.failed).toBe(0);
    expect(outcome.ok).toBeGreaterThan(100);
    expect(outcome.by.get('a')).toBeGreaterThan(0);
    expect(outcome.by.get('b')).toBeGreaterThan(0);
    // fall × interval, plus one interval of jitter and a check timeout of slack.
    expect(downAfter).toBeLessThan(fall * interval + interval + 150 + 500);
    expect(upAfter).toBeLessThan(rise * interval + interval + 500);
  }, 30_000);
});

describe('failover to a backend that is ejected but alive', () => {
  const dir = tempDir();
  let core: Core;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await core?.stop();
    dir.remove();
  });

  // Found by the soak: A down for less than `fall` checks is ejected by
  // passive detection and stays ejected although alive; B then dies and
  // cannot be ejected in its turn (at most half the route may be), so until
  // B's checks mark it down every request went to B alone and got a 502
  // (defaults: about 5.5 s, 530 requests).
  const slowInterval = 500;
  /** Long enough for A's ejection, B's death and B's checks marking it down (fall × interval). */
  const loadMs = 8_000;

  it('costs no failed request: a retry falls back on the ejected backend when every candidate failed', async () => {
    const setup = await failoverRoute(dir.path, children, slowInterval);
    core = setup.core;
    const { route } = setup;
    const portA = setup.ports[0];
    const [aId, bId] = [route.backends[0]!.id, route.backends[1]!.id];
    await waitForBackend(core, aId, (s) => s.status === 'healthy');
    await waitForBackend(core, bId, (s) => s.status === 'healthy');

    const end = Date.now() + loadMs;
    const traffic = load(proxyPort(core), 8, end);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // A dies for less than `fall` checks: real traffic ejects it, checks never see it down.
    children[0]!.kill('SIGKILL');
    await waitForBackend(core, aId, (s) => s.status === 'ejected', 2_000);
    children.push(await backendProcess('a', portA));
    await new Promise((resolve) => setTimeout(resolve, 2 * slowInterval));
    expect((await waitForBackend(core, aId, () => true)).status).toBe('ejected');

    children[1]!.kill('SIGKILL');
    await waitForBackend(core, bId, (s) => s.status === 'unhealthy', 5_000);
    // A is still ejected (30 s by default) when B is finally marked down, under load all along.
    expect((await waitForBackend(core, aId, () => true)).status).toBe('ejected');
    expect(Date.now()).toBeLessThan(end);
    const outcome = await traffic;
    expect(outcome.errors).toEqual([]);
    expect(outcome.failed).toBe(0);
    expect(outcome.by.get('a')).toBeGreaterThan(0);
  }, 60_000);
});
