import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { Route } from '../../src/shared/model';
import { freePort, must, proxyPort, withCleanCore } from '../helpers/core';

const file = (value: object) => JSON.stringify({ version: 1, ...value });
/** Routes without their ids, which a re-created route does not keep. */
const strip = (routes: Route[]) =>
  routes.map((route) => ({
    ...route,
    id: 0,
    backends: route.backends.map((backend) => ({ ...backend, id: 0, routeId: 0 })),
  }));

describe('project.diff, project.apply and project.export on a real core', () => {
  let core: Core;
  withCleanCore((c) => (core = c));

  it('round-trips every kind of route, disabled backends, overrides and non-default settings through export and apply', async () => {
    const tcpPort = await freePort();
    const udpPort = await freePort();
    await must(core.run('routes.create', { host: 'api.localhost', path: '/v1', algorithm: 'consistent-hash', settings: { hashKey: { source: 'header', name: 'X-User' }, healthCheck: 'off', sticky: 'cookie' }, backends: [{ url: 'http://127.0.0.1:9', weight: 5, health: { healthPath: '/ping' } }, { url: 'http://127.0.0.1:10', enabled: false }] }));
    await must(core.run('routes.create', { host: `tcp://127.0.0.1:${tcpPort}`, settings: { healthCheck: 'off', idleTimeoutMs: 1_000 }, backends: [{ url: 'tcp://127.0.0.1:9' }] }));
    await must(core.run('routes.create', { host: `udp://127.0.0.1:${udpPort}`, settings: { udpResponses: 1 }, backends: [{ url: 'udp://127.0.0.1:9' }] }));
    const before = await must(core.run('routes.list', {}));
    const { text } = await must(core.run('project.export', {}));
    expect(await must(core.run('project.diff', { text, prune: true }))).toEqual({ changes: [], notInFile: [] });

    for (const route of before) await must(core.run('routes.delete', { id: route.id }));
    const applied = await must(core.run('project.apply', { text, prune: false }));
    expect(applied.applied).toBe(true);
    expect(applied.changes.map((change) => `${change.action} ${change.kind} ${change.target}`)).toEqual([
      'add route api.localhost/v1',
      `add route tcp://127.0.0.1:${tcpPort}`,
      `add route udp://127.0.0.1:${udpPort}`,
    ]);
    expect(strip(await must(core.run('routes.list', {})))).toEqual(strip(before));
  });

  it('changes a backend in place: weight, enabled, and an override the file drops', async () => {
    const route = await must(core.run('routes.create', { host: 'web.localhost', settings: { healthCheck: 'off' }, backends: [{ url: 'http://127.0.0.1:9', health: { healthPath: '/ping' } }] }));
    const diff = await must(core.run('project.apply', { text: file({ routes: [{ host: 'web.localhost', settings: { healthCheck: 'off' }, backends: [{ url: 'http://127.0.0.1:9', weight: 4, enabled: false }] }] }), prune: false }));
    expect(diff.changes).toEqual([{ action: 'change', kind: 'backend', target: 'http://127.0.0.1:9 of web.localhost', details: ['weight: 1 → 4', 'enabled: true → false', 'health.healthPath: /ping → (route’s)'] }]);
    const [after] = await must(core.run('routes.list', {}));
    expect(after!.backends).toEqual([{ ...route.backends[0]!, weight: 4, enabled: false, health: {} }]);
  });

  it('checks everything before the first command: a proxy loop in the last route changes nothing', async () => {
    const refused = await core.run('project.apply', { text: file({ routes: [{ host: 'a.localhost', backends: [{ url: 'http://127.0.0.1:9' }] }, { host: 'b.localhost', backends: [{ url: `http://127.0.0.1:${proxyPort(core)}` }] }] }), prune: false });
    expect(refused.ok === false && refused.error).toMatchObject({ code: 'PROXY_LOOP', field: 'routes.1.backends.0.url' });
    expect(await must(core.run('routes.list', {}))).toEqual([]);
  });

  it('says how far it got when the store refuses a change the file could not know about', async () => {
    const port = await freePort();
    const text = file({ routes: [{ host: 'a.localhost', backends: [] }, { host: `tcp://127.0.0.1:${port}`, backends: [] }, { host: `tls://127.0.0.1:${port}/db.localhost`, backends: [] }] });
    const refused = await core.run('project.apply', { text, prune: false });
    expect(refused.ok === false && refused.error.message).toMatch(new RegExp(`^Applied 2 of 3 changes, then add route tls://127\\.0\\.0\\.1:${port}/db\\.localhost failed: .+ Fix it and apply again; what is applied stays\\.$`));
    expect((await must(core.run('routes.list', {}))).map((route) => route.host)).toEqual(['a.localhost', `tcp://127.0.0.1:${port}`]);
  });

  it('adds CA domains, and removes those the file leaves out only with prune', async () => {
    await must(core.run('certificates.addDomain', { domain: 'old.example.com' }));
    const kept = await must(core.run('project.apply', { text: file({ certificates: { domains: ['new.example.com'] } }), prune: false }));
    expect(kept.changes).toEqual([{ action: 'add', kind: 'domain', target: 'new.example.com', details: [] }]);
    expect(kept.notInFile).toEqual([{ action: 'remove', kind: 'domain', target: 'old.example.com', details: [] }]);
    await must(core.run('project.apply', { text: file({ certificates: { domains: ['new.example.com'] } }), prune: true }));
    expect((await must(core.run('certificates.get', {}))).ca.userDomains).toEqual(['new.example.com']);
    await must(core.run('certificates.setDomains', { domains: [] }));
  });

  it('notes each apply on the timeline, one that changed nothing too', async () => {
    await must(core.run('project.apply', { text: file({}), prune: false }));
    const [latest] = await must(core.run('timeline.list', { limit: 1 }));
    expect(latest).toMatchObject({ kind: 'config', message: 'Applied a project file: nothing to change' });
  });
});
