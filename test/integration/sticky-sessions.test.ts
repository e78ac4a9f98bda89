import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { Route } from '../../src/shared/model';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';

describe('sticky sessions', () => {
  const dir = tempDir();
  let core: Core;
  let backends: TestBackend[];
  let route: Route;

  beforeAll(async () => {
    backends = await Promise.all(['a', 'b', 'c'].map((name) => startBackend(name)));
    core = await startCore(dir.path);
    route = await must(
      core.run('routes.create', { host: 'sticky.localhost', settings: { sticky: 'cookie' }, backends: backends.map((b) => ({ url: b.url })) }),
    );
  });
  afterAll(async () => {
    await core.stop();
    await Promise.all(backends.map((b) => b.close()));
    dir.remove();
  });

  it('pins a client with an opaque cookie and keeps it there', async () => {
    const first = await request(proxyPort(core), 'sticky.localhost');
    const cookie = first.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^switchyard_sticky=[A-Za-z0-9_-]{16}; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toContain('127.0.0.1');
    const value = cookie.split(';')[0]!;
    for (let i = 0; i < 6; i++) {
      const res = await request(proxyPort(core), 'sticky.localhost', '/', { headers: { cookie: `theme=x; ${value}` } });
      expect(res.body).toBe(first.body);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // Without the cookie, clients are still balanced.
    const others = new Set<string>();
    for (let i = 0; i < 6; i++) others.add((await request(proxyPort(core), 'sticky.localhost')).body);
    expect(others.size).toBe(3);
  });

  it('re-pins to another backend when the pinned one is switched off, then stays there', async () => {
    const first = await request(proxyPort(core), 'sticky.localhost');
    const pinned = route.backends.find((b) => b.url.endsWith(String(backends.find((x) => x.name === first.body)!.port)))!;
    await must(core.run('backends.setEnabled', { id: pinned.id, enabled: false }));
    const cookie = first.headers['set-cookie']![0]!.split(';')[0]!;
    const moved = await request(proxyPort(core), 'sticky.localhost', '/', { headers: { cookie } });
    expect(moved.body).not.toBe(first.body);
    const newCookie = moved.headers['set-cookie']![0]!.split(';')[0]!;
    expect(newCookie).not.toBe(cookie);
    for (let i = 0; i < 4; i++) {
      expect((await request(proxyPort(core), 'sticky.localhost', '/', { headers: { cookie: newCookie } })).body).toBe(moved.body);
    }
    await must(core.run('backends.setEnabled', { id: pinned.id, enabled: true }));
  });

  it('client-IP stickiness keeps each address on one backend whatever the algorithm', async () => {
    await must(core.run('routes.update', { id: route.id, settings: { sticky: 'ip' } }));
    const seen = new Set<string>();
    const byAddress = async (localAddress: string) =>
      new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: proxyPort(core), localAddress, headers: { host: 'sticky.localhost' }, agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
    for (let i = 2; i < 20; i++) {
      const address = `127.0.0.${i}`;
      const answer = await byAddress(address);
      seen.add(answer);
      expect(await byAddress(address)).toBe(answer);
      expect(await byAddress(address)).toBe(answer);
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});
