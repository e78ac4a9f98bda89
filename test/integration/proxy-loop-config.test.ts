import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, proxyPort, withCore } from '../helpers/core';

describe('a backend that is Switchyard itself is refused when configured', () => {
  let core: Core;
  withCore((c) => (core = c));

  it.each(['127.0.0.1', 'localhost', 'api.localhost', '127.0.0.2', '[::1]', '0.0.0.0'])('routes.create refuses http://%s:<own port>, naming the field', async (host) => {
    const url = `http://${host}:${proxyPort(core)}`;
    const answer = await core.run('routes.create', { host: 'self.localhost', backends: [{ url: 'http://127.0.0.1:3000' }, { url }] });
    expect(answer).toMatchObject({ ok: false, error: { code: 'PROXY_LOOP', field: 'backends.1.url' } });
    expect(!answer.ok && answer.error.message).toMatch(/loop back into Switchyard\. Use the address and port your dev server listens on/);
  });

  it('backends.add and backends.update refuse it too, and nothing is stored', async () => {
    const own = `http://127.0.0.1:${proxyPort(core)}`;
    const route = await must(core.run('routes.create', { host: 'other.localhost', backends: [{ url: 'http://127.0.0.1:3000' }] }));
    expect(await core.run('backends.add', { routeId: route.id, url: own })).toMatchObject({ ok: false, error: { code: 'PROXY_LOOP', field: 'url' } });
    expect(await core.run('backends.update', { id: route.backends[0]!.id, url: own })).toMatchObject({ ok: false, error: { code: 'PROXY_LOOP', field: 'url' } });
    const stored = (await must(core.run('routes.list', {}))).find((r) => r.id === route.id)!;
    expect(stored.backends.map((b) => b.url)).toEqual(['http://127.0.0.1:3000']);
    // Another port on the same machine is a dev server, not a loop.
    await must(core.run('backends.add', { routeId: route.id, url: 'http://127.0.0.1:3001' }));
  });
});
