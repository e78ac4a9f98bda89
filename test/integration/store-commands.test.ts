import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { defaultRouteSettings, maxBackendsPerRoute } from '../../src/shared/model';
import { must, withCore } from '../helpers/core';

describe('commands against a real SQLite store', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('refuses a duplicate (host, path) with ROUTE_EXISTS on the host field, case-insensitively', async () => {
    await must(core.run('routes.create', { host: 'dup.localhost', path: '/api' }));
    expect(await core.run('routes.create', { host: 'DUP.localhost', path: '/api/' })).toEqual({
      ok: false,
      error: { code: 'ROUTE_EXISTS', field: 'host', message: expect.stringContaining('dup.localhost/api') },
    });
    await must(core.run('routes.create', { host: 'dup.localhost', path: '/other' }));
  });

  it('stores nothing when any part of a create fails (one transaction)', async () => {
    const answer = await core.run('routes.create', {
      host: 'atomic.localhost',
      backends: [{ url: 'http://127.0.0.1:3000' }, { url: 'http://127.0.0.1:3000/' }],
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'BACKEND_EXISTS', field: 'backends.1.url' } });
    const routes = await must(core.run('routes.list', {}));
    expect(routes.find((r) => r.host === 'atomic.localhost')).toBeUndefined();
  });

  it('updates, toggles and removes, and deleting a route removes its backends', async () => {
    const route = await must(core.run('routes.create', { host: 'edit.localhost', backends: [{ url: 'http://127.0.0.1:3000' }] }));
    const updated = await must(core.run('routes.update', { id: route.id, host: 'edited.localhost', path: '/v2' }));
    expect(updated).toMatchObject({ host: 'edited.localhost', path: '/v2' });
    const withTwo = await must(core.run('backends.add', { routeId: route.id, url: 'http://127.0.0.1:3001', weight: 5 }));
    expect(withTwo.backends.map((b) => [b.url, b.weight, b.enabled])).toEqual([
      ['http://127.0.0.1:3000', 1, true],
      ['http://127.0.0.1:3001', 5, true],
    ]);
    const changed = await must(core.run('backends.update', { id: withTwo.backends[1]!.id, weight: 2 }));
    expect(changed.backends[1]!.weight).toBe(2);
    await must(core.run('routes.delete', { id: route.id }));
    expect(await core.run('backends.remove', { id: withTwo.backends[0]!.id })).toMatchObject({
      ok: false,
      error: { code: 'BACKEND_NOT_FOUND' },
    });
  });

  it('returns typed errors for unknown commands, ids and bad input, and leaves data intact', async () => {
    const before = await must(core.run('routes.list', {}));
    expect(await core.execute('routes.explode', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(await core.run('routes.delete', { id: 99999 })).toMatchObject({ ok: false, error: { code: 'ROUTE_NOT_FOUND' } });
    expect(await core.run('backends.add', { routeId: before[0]!.id, url: 'ftp://localhost:3000' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'url' },
    });
    expect(await core.execute('routes.create', 'not an object')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await must(core.run('routes.list', {}))).toEqual(before);
  });

  it('caps a route at 256 backends on backends.add as on routes.create, and the largest route with the heaviest weights is accepted', async () => {
    // The command fuzzer's reproducer at full size: 256 × weight 1000 on a
    // consistent-hash ring once meant 41M ring points and a hung proxy.
    const backends = Array.from({ length: maxBackendsPerRoute }, (_, i) => ({ url: `http://127.0.0.1:${41_000 + i}`, weight: 1000 }));
    const settings = { healthCheck: 'off' as const };
    const full = await must(core.run('routes.create', { host: 'ring.localhost', algorithm: 'consistent-hash', settings, backends }));
    expect(full.backends).toHaveLength(maxBackendsPerRoute);

    const refused = await core.run('backends.add', { routeId: full.id, url: 'http://127.0.0.1:40999' });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'routeId', message: expect.stringContaining('ring.localhost already has 256 backends') },
    });
    expect((await must(core.run('routes.list', {}))).find((r) => r.id === full.id)).toEqual(full);

    await must(core.run('backends.remove', { id: full.backends[0]!.id }));
    expect((await must(core.run('backends.add', { routeId: full.id, url: 'http://127.0.0.1:40999' }))).backends).toHaveLength(maxBackendsPerRoute);

    const tooMany = [...backends, { url: 'http://127.0.0.1:40998', weight: 1 }];
    expect(await core.run('routes.create', { host: 'ring2.localhost', settings, backends: tooMany })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'backends', message: expect.stringContaining('at most 256 backends') },
    });
  });

  it('stores route settings with defaults and merges updates into them', async () => {
    const route = await must(core.run('routes.create', { host: 'settings.localhost', algorithm: 'consistent-hash' }));
    expect(route.settings).toEqual(defaultRouteSettings);
    const updated = await must(
      core.run('routes.update', { id: route.id, settings: { hashKey: { source: 'header', name: 'X-Tenant' } } }),
    );
    expect(updated.settings.hashKey).toEqual({ source: 'header', name: 'x-tenant' });
    expect(updated.algorithm).toBe('consistent-hash');
  });

  it('emits config.changed with the new routes after each write', async () => {
    const events: unknown[] = [];
    core.events.on('event', (event) => event.name === 'config.changed' && events.push(event));
    await must(core.run('routes.create', { host: 'event.localhost' }));
    expect(events).toEqual([
      { name: 'config.changed', payload: { revision: expect.any(Number), routes: expect.arrayContaining([expect.objectContaining({ host: 'event.localhost' })]) } },
    ]);
  });
});
