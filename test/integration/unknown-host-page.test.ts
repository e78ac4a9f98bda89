import { beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, proxyPort, request, withCore } from '../helpers/core';

describe('the 404 page lists configured hosts only to loopback names (DNS rebinding)', () => {
  let core: Core;
  withCore((c) => (core = c));
  beforeAll(async () => {
    await must(core.run('routes.create', { host: 'secret-project.localhost', backends: [] }));
  });

  it.each(['nope.localhost', 'localhost', '127.0.0.1', '[::1]'])('Host %s (with our port) gets the list', async (name) => {
    const res = await request(proxyPort(core), `${name}:${proxyPort(core)}`, '/x');
    expect(res.status).toBe(404);
    expect(res.body).toContain(`no route for ${name}/x`);
    expect(res.body).toContain('secret-project.localhost');
  });

  it.each(['rebind.attacker.example', 'localhost.attacker.example', '192.168.1.20'])('Host %s gets a plain 404, in HTML too', async (name) => {
    for (const accept of ['*/*', 'text/html']) {
      const res = await request(proxyPort(core), name, '/x', { headers: { accept } });
      expect(res.status).toBe(404);
      expect(res.body).toContain(`no route for ${name}/x`);
      expect(res.body).not.toContain('secret-project');
      expect(res.body).not.toContain('Configured hosts');
    }
  });

  it('a known host whose path prefixes miss the path says so and names its prefixes', async () => {
    await must(core.run('routes.create', { host: 'paths.localhost', path: '/api', backends: [] }));
    await must(core.run('routes.create', { host: 'paths.localhost', path: '/admin', backends: [] }));
    const res = await request(proxyPort(core), 'paths.localhost', '/web');
    expect(res.status).toBe(404);
    expect(res.body).toMatch(/^404 No route for this path\n/);
    expect(res.body).toContain('Switchyard has routes for paths.localhost, but none whose path prefix matches /web: /admin, /api.');
  });
});
