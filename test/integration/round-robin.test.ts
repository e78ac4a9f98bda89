import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, settled, startCore, tempDir } from '../helpers/core';

describe('round-robin over real backends', () => {
  const dir = tempDir();
  let core: Core;
  let alpha: TestBackend;
  let beta: TestBackend;

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([startBackend('alpha'), startBackend('beta')]);
    core = await startCore(dir.path);
  });
  afterAll(async () => {
    await core.stop();
    await Promise.all([alpha.close(), beta.close()]);
    dir.remove();
  });

  it('alternates between the backends', async () => {
    await must(core.run('routes.create', { host: 'demo.localhost', backends: [{ url: alpha.url }, { url: beta.url }] }));
    await settled(core);
    const bodies = [];
    for (let i = 0; i < 6; i++) bodies.push((await request(proxyPort(core), 'demo.localhost')).body);
    expect(bodies).toEqual(['alpha', 'beta', 'alpha', 'beta', 'alpha', 'beta']);
  });

  it('sends nothing to a disabled backend from the very next request, on a kept-alive client connection too', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const route = (await must(core.run('routes.list', {}))).find((r) => r.host === 'demo.localhost')!;
    const betaId = route.backends.find((b) => b.url === beta.url)!.id;
    await request(proxyPort(core), 'demo.localhost', '/', { agent });

    await must(core.run('backends.setEnabled', { id: betaId, enabled: false }));
    const before = beta.requests.length;
    const bodies = [];
    for (let i = 0; i < 5; i++) bodies.push((await request(proxyPort(core), 'demo.localhost', '/', { agent })).body);
    expect(bodies).toEqual(['alpha', 'alpha', 'alpha', 'alpha', 'alpha']);
    expect(beta.requests.length).toBe(before);

    await must(core.run('backends.setEnabled', { id: betaId, enabled: true }));
    await settled(core);
    const after = new Set<string>();
    for (let i = 0; i < 4; i++) after.add((await request(proxyPort(core), 'demo.localhost', '/', { agent })).body);
    expect(after).toEqual(new Set(['alpha', 'beta']));
    agent.destroy();
  });

  it('routes by host and longest path prefix, ignoring the port in Host', async () => {
    await must(core.run('routes.create', { host: 'demo.localhost', path: '/beta', backends: [{ url: beta.url }] }));
    await must(core.run('routes.create', { host: '*.wild.localhost', backends: [{ url: alpha.url }] }));
    const port = proxyPort(core);
    for (let i = 0; i < 3; i++) expect((await request(port, `demo.localhost:${port}`, '/beta/x?y=1')).body).toBe('beta');
    expect((await request(port, 'Any.Wild.localhost', '/')).body).toBe('alpha');
    expect(beta.requests.at(-1)!.url).toBe('/beta/x?y=1');
  });

  it('answers 503 naming the route when every backend is off, and when it has none', async () => {
    const route = await must(core.run('routes.create', { host: 'off.localhost', backends: [{ url: alpha.url, enabled: false }] }));
    const off = await request(proxyPort(core), 'off.localhost');
    expect(off.status).toBe(503);
    expect(off.body).toMatch(/off\.localhost/);
    expect(off.body).toMatch(/switched off/);

    await must(core.run('backends.remove', { id: route.backends[0]!.id }));
    const none = await request(proxyPort(core), 'off.localhost');
    expect(none.status).toBe(503);
    expect(none.body).toMatch(/no backends/);
  });
});
