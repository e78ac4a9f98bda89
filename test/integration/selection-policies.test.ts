import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { Algorithm } from '../../src/shared/model';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, settled, startCore, tempDir } from '../helpers/core';

describe('every balancing algorithm over real backends', () => {
  const dir = tempDir();
  let core: Core;
  let backends: TestBackend[] = [];
  const held: http.ServerResponse[] = [];

  beforeAll(async () => {
    core = await startCore(dir.path);
  });
  afterEach(async () => {
    held.splice(0).forEach((res) => res.end('released'));
    await Promise.all(backends.map((b) => b.close()));
    backends = [];
    for (const route of await must(core.run('routes.list', {}))) await must(core.run('routes.delete', { id: route.id }));
  });
  afterAll(async () => {
    await core.stop();
    dir.remove();
  });

  async function route(algorithm: Algorithm, names: string[], weights: number[] = [], settings?: object) {
    backends = await Promise.all(names.map((name) => startBackend(name)));
    const created = await must(
      core.run('routes.create', {
        host: 'lb.localhost',
        algorithm,
        ...(settings ? { settings } : {}),
        backends: backends.map((b, i) => ({ url: b.url, weight: weights[i] ?? 1 })),
      }),
    );
    await settled(core);
    return created;
  }

  const get = async (headers: Record<string, string> = {}, agent?: http.Agent) =>
    (await request(proxyPort(core), 'lb.localhost', '/', { headers, agent })).body;

  it('weighted-round-robin with weights 5,1,1 answers a a b a c a a', async () => {
    await route('weighted-round-robin', ['a', 'b', 'c'], [5, 1, 1]);
    const bodies = [];
    for (let i = 0; i < 14; i++) bodies.push(await get());
    expect(bodies.join(' ')).toBe('a a b a c a a a a b a c a a');
  });

  it('consistent-hash keeps keys on their backend and moves about 1/N when one of N goes away', async () => {
    const created = await route('consistent-hash', ['a', 'b', 'c', 'd', 'e'], [], { hashKey: { source: 'header', name: 'X-User' } });
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const before = new Map<string, string>();
    for (const key of keys) before.set(key, await get({ 'x-user': key }, agent));
    for (const key of keys.slice(0, 20)) expect(await get({ 'x-user': key }, agent)).toBe(before.get(key));
    expect(new Set(before.values()).size).toBe(5);

    await must(core.run('backends.setEnabled', { id: created.backends[2]!.id, enabled: false }));
    await settled(core);
    let moved = 0;
    for (const key of keys) {
      const now = await get({ 'x-user': key }, agent);
      if (now !== before.get(key)) {
        moved += 1;
        expect(before.get(key)).toBe('c');
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.08);
    expect(moved / keys.length).toBeLessThan(0.35);
    agent.destroy();
  });

  it('consistent-hash on a cookie, and round-robin for requests without the key', async () => {
    await route('consistent-hash', ['a', 'b'], [], { hashKey: { source: 'cookie', name: 'session' } });
    const pinned = await get({ cookie: 'theme=dark; session=abc123' });
    for (let i = 0; i < 5; i++) expect(await get({ cookie: 'session=abc123' })).toBe(pinned);
    expect(new Set([await get(), await get()])).toEqual(new Set(['a', 'b']));
  });

  /** Sends `count` requests one after another, each counted once a backend has it; `slow` never answers until released. */
  async function loadWithSlowBackend(algorithm: Algorithm, count: number) {
    const slow = await startBackend('slow', (_req, res) => held.push(res));
    const fast = await startBackend('fast');
    backends = [slow, fast];
    await must(core.run('routes.create', { host: 'lb.localhost', algorithm, backends: [{ url: slow.url }, { url: fast.url }] }));
    await settled(core);
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const seen = slow.requests.length + fast.requests.length;
      pending.push(request(proxyPort(core), 'lb.localhost'));
      while (slow.requests.length + fast.requests.length === seen) await new Promise((r) => setTimeout(r, 2));
    }
    const result = { slow: slow.requests.length, fast: fast.requests.length };
    held.splice(0).forEach((res) => res.end('released'));
    await Promise.all(pending);
    return result;
  }

  it('least-connections sends new requests away from a backend that is still busy', async () => {
    expect(await loadWithSlowBackend('least-connections', 10)).toEqual({ slow: 1, fast: 9 });
  });

  it('random-two-choices also avoids the busy backend', async () => {
    const { slow, fast } = await loadWithSlowBackend('random-two-choices', 10);
    expect(slow).toBeLessThanOrEqual(1);
    expect(slow + fast).toBe(10);
  });

  it('ip-hash pins each client address to one backend and spreads different addresses', async () => {
    await route('ip-hash', ['a', 'b', 'c']);
    const byAddress = new Map<string, string>();
    for (let i = 2; i < 32; i++) {
      const localAddress = `127.0.0.${i}`;
      const answers = new Set<string>();
      for (let n = 0; n < 3; n++) {
        answers.add(
          await new Promise<string>((resolve, reject) => {
            http
              .get({ host: '127.0.0.1', port: proxyPort(core), localAddress, headers: { host: 'lb.localhost' }, agent: false }, (res) => {
                let body = '';
                res.on('data', (d) => (body += d));
                res.on('end', () => resolve(body));
              })
              .on('error', reject);
          }),
        );
      }
      expect(answers.size).toBe(1);
      byAddress.set(localAddress, [...answers][0]!);
    }
    expect(new Set(byAddress.values()).size).toBeGreaterThan(1);
  });
});
