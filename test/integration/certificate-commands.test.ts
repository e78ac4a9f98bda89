import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/core';
import { commandNames, type CommandName } from '../../src/shared/commands';
import type { Envelope } from '../../src/shared/errors';
import type { SwitchyardEvent } from '../../src/shared/events';
import { must, startCore, tempDir } from '../helpers/core';
import { httpsPort, httpsRequest } from '../helpers/https-client';
import { keyForms, leakedKeyForms } from '../helpers/key-material';
import { handshake, serveTls, type TlsServer } from '../helpers/tls-check';

// The certificate commands on a real core, real files and real TLS: what a
// user does with them (issue a pair for a dev server, trust the exported
// root, add a domain, remove) works, and no answer or event carries a key.

const FILE_MODE_BITS = 0o777;
const KEY_FILE_MODE = 0o600;

describe('certificate commands', () => {
  const dir = tempDir('switchyard-certs-');
  let core: Core;
  const servers: TlsServer[] = [];
  const events: SwitchyardEvent[] = [];
  const onEvent = (event: SwitchyardEvent) => events.push(event);

  beforeAll(async () => {
    core = await startCore(dir.path);
    core.events.on('event', onEvent);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  afterAll(async () => {
    await core.stop();
    dir.remove();
  });

  const rootPem = async () => (await must(core.run('certificates.exportCa', {}))).certificatePem;

  /** A dev server run on the files the result names, as the README tells users to. */
  async function devServer(paths: { chainPath: string; keyPath: string }): Promise<number> {
    const server = await serveTls({ cert: readFileSync(paths.chainPath, 'utf8'), key: readFileSync(paths.keyPath, 'utf8') });
    servers.push(server);
    return server.port;
  }

  it('issues a pair a dev server uses and a client that trusts only the exported root verifies, name and chain', async () => {
    const issued = await must(core.run('certificates.issue', { names: ['API.test.localhost.', '127.0.0.1', 'api.test.localhost'] }));
    // One file per set of names: the first sorted name, how many more, a hash of the set.
    expect(issued).toMatchObject({ id: expect.stringMatching(/^127\.0\.0\.1\+1-[0-9a-f]{8}$/) as string, names: ['127.0.0.1', 'api.test.localhost'], keyType: 'ecdsa-p256', state: 'valid' });
    expect(issued.keyPath.startsWith(join(dir.path, 'tls', 'leaves'))).toBe(true);
    expect(statSync(issued.keyPath).mode & FILE_MODE_BITS).toBe(KEY_FILE_MODE);
    expect(readFileSync(issued.chainPath, 'utf8')).toBe(issued.chainPem);
    expect(readFileSync(issued.certificatePath, 'utf8')).toBe(issued.certificatePem);

    const port = await devServer(issued);
    const root = await rootPem();
    expect(await handshake(port, root, 'api.test.localhost')).toEqual({ ok: true, body: 'ok' });
    expect(await handshake(port, root)).toEqual({ ok: true, body: 'ok' }); // No SNI: checked against the IP SAN.
    expect(await handshake(port, root, 'other.test.localhost')).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    // The leaf alone is not enough for a client that trusts only the root: why the chain file exists.
    const leafOnly = await serveTls({ cert: issued.certificatePem, key: readFileSync(issued.keyPath, 'utf8') });
    servers.push(leafOnly);
    expect(await handshake(leafOnly.port, root, 'api.test.localhost')).toMatchObject({ ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('lists the CA and each leaf with the routes that use it; a user RSA pair for a route host does not replace the route one', async () => {
    const route = await must(core.run('routes.create', { host: 'shop.localhost' }));
    const own = await must(core.run('certificates.issue', { names: ['shop.localhost'] }));
    const rsa = await must(core.run('certificates.issue', { names: ['shop.localhost'], keyType: 'rsa-2048' }));
    expect(rsa.id).toBe('shop.localhost.rsa-2048');
    expect(rsa.keyPath).not.toBe(own.keyPath);

    const { ca, leaves } = await must(core.run('certificates.get', {}));
    expect(ca).toMatchObject({
      subject: expect.stringMatching(/^O=Switchyard, CN=Switchyard Local CA — /) as string,
      fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) as string,
      permittedDomains: ['home.arpa', 'internal', 'localhost', 'test'],
      defaultDomains: ['localhost', 'test', 'internal', 'home.arpa'],
      userDomains: [],
      permittedIpRanges: ['127.0.0.0/8', '::1/128'],
      rootCertificatePath: join(dir.path, 'tls', 'root.crt'),
    });
    expect(new Date(ca.notAfter).getTime()).toBeGreaterThan(Date.now());
    // This machine's bundle does not hold a root made a second ago.
    if (existsSync('/etc/ssl/certs/ca-certificates.crt')) expect(ca.trust.state).toBe('not-trusted');
    const shop = leaves.filter((leaf) => leaf.names.includes('shop.localhost'));
    expect(shop.map((leaf) => [leaf.id, leaf.keyType, leaf.routes])).toEqual([
      ['shop.localhost', 'ecdsa-p256', [{ id: route.id, host: 'shop.localhost', path: '/' }]],
      ['shop.localhost.rsa-2048', 'rsa-2048', [{ id: route.id, host: 'shop.localhost', path: '/' }]],
    ]);
    expect(shop[0]?.fingerprint256).toBe(own.fingerprint256);
    await must(core.run('routes.delete', { id: route.id }));
  });

  it('regenerates with a new key in the same files, or moves to another key type', async () => {
    const first = await must(core.run('certificates.issue', { names: ['regen.localhost'] }));
    const again = await must(core.run('certificates.regenerate', { id: first.id }));
    expect(again).toMatchObject({ id: first.id, names: first.names, keyPath: first.keyPath, keyType: 'ecdsa-p256' });
    expect(again.fingerprint256).not.toBe(first.fingerprint256);
    const rsa = await must(core.run('certificates.regenerate', { id: first.id, keyType: 'rsa-2048' }));
    expect(rsa.id).toBe('regen.localhost.rsa-2048');
    expect(existsSync(first.keyPath)).toBe(false);
    expect(await handshake(await devServer(rsa), await rootPem(), 'regen.localhost')).toEqual({ ok: true, body: 'ok' });
  });

  it('removes by names or id, its three files with it; unknown and ambiguous picks are typed errors', async () => {
    const one = await must(core.run('certificates.issue', { names: ['gone.localhost'] }));
    await must(core.run('certificates.issue', { names: ['both.localhost', 'x.both.localhost'] }));
    await must(core.run('certificates.issue', { names: ['both.localhost', 'y.both.localhost'] }));

    const { removed } = await must(core.run('certificates.remove', { names: ['Gone.localhost'] }));
    expect(removed.id).toBe(one.id);
    for (const file of [one.certificatePath, one.chainPath, one.keyPath]) expect(existsSync(file)).toBe(false);
    expect((await must(core.run('certificates.get', {}))).leaves.map((leaf) => leaf.id)).not.toContain(one.id);

    const again = await core.run('certificates.remove', { names: ['gone.localhost'] });
    expect(again).toMatchObject({ ok: false, error: { code: 'CERT_NOT_FOUND', field: 'names' } });
    const ambiguous = await core.run('certificates.remove', { names: ['both.localhost'] });
    expect(ambiguous).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('give the id') as string } });
    expect(await core.run('certificates.remove', { names: ['both.localhost', 'y.both.localhost'] })).toMatchObject({ ok: true });
    expect(await core.run('certificates.remove', { id: '../../switchyard.db' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await core.run('certificates.remove', { id: 'never.localhost' })).toMatchObject({ ok: false, error: { code: 'CERT_NOT_FOUND', field: 'id' } });
    expect(await core.run('certificates.remove', { id: 'a.localhost', names: ['a.localhost'] })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('refuses a name outside the domains saying how to add it; setDomains adds it, kept across a restart, and its leaf verifies', async () => {
    const refused = await core.run('certificates.issue', { names: ['api.dev.example.com'] });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'CERT_NAME_NOT_PERMITTED', field: 'names.0', message: expect.stringContaining('switchyard cert domains add example.com') as string },
    });
    const before = await must(core.run('certificates.issue', { names: ['kept.localhost'] }));

    const ca = await must(core.run('certificates.setDomains', { domains: ['Dev.Example.com.'] }));
    expect(ca).toMatchObject({ userDomains: ['dev.example.com'], permittedDomains: ['dev.example.com', 'home.arpa', 'internal', 'localhost', 'test'] });
    const issued = await must(core.run('certificates.issue', { names: ['api.dev.example.com'] }));
    const root = await rootPem();
    expect(await handshake(await devServer(issued), root, 'api.dev.example.com')).toEqual({ ok: true, body: 'ok' });
    // A leaf issued before the change still chains (same intermediate key).
    expect(await handshake(await devServer(before), root, 'kept.localhost')).toEqual({ ok: true, body: 'ok' });
    expect(events).toContainEqual({ name: 'certificates.changed', payload: { what: expect.stringContaining('dev.example.com') as string } });

    // Proxy settings share the stored document: changing one keeps the domains.
    await must(core.run('settings.update', { maxConnections: 100 }));
    await core.stop();
    core = await startCore(dir.path);
    core.events.on('event', onEvent);
    expect((await must(core.run('certificates.get', {}))).ca.userDomains).toEqual(['dev.example.com']);

    expect(await core.run('certificates.setDomains', { domains: ['ok.example.org', 'com'] })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'domains.1' } });
    expect((await must(core.run('certificates.get', {}))).ca.userDomains).toEqual(['dev.example.com']);

    await must(core.run('certificates.setDomains', { domains: [] }));
    const leaf = (await must(core.run('certificates.get', {}))).leaves.find((candidate) => candidate.id === issued.id);
    expect(leaf?.state).toBe('not-permitted');
  });

  it('two domain changes at once both apply (each edits the list as the other left it); remove refuses a domain that is not yours', async () => {
    const added = await Promise.all(['one.example.org', 'Two.Example.org.'].map((domain) => core.run('certificates.addDomain', { domain })));
    expect(added.map((answer) => answer.ok)).toEqual([true, true]);
    expect((await must(core.run('certificates.get', {}))).ca.userDomains).toEqual(['one.example.org', 'two.example.org']);
    expect(await core.run('certificates.addDomain', { domain: 'one.example.org' })).toMatchObject({ ok: true, result: { userDomains: ['one.example.org', 'two.example.org'] } });

    const [removed, third] = await Promise.all([
      core.run('certificates.removeDomain', { domain: 'one.example.org' }),
      core.run('certificates.addDomain', { domain: 'three.example.org' }),
    ]);
    expect([removed.ok, third.ok]).toEqual([true, true]);
    const { ca } = await must(core.run('certificates.get', {}));
    expect(ca.userDomains).toEqual(['three.example.org', 'two.example.org']);
    expect(ca.permittedDomains).toEqual(['home.arpa', 'internal', 'localhost', 'test', 'three.example.org', 'two.example.org']);
    expect(await must(core.run('certificates.issue', { names: ['api.three.example.org'] }))).toMatchObject({ state: 'valid' });

    expect(await core.run('certificates.removeDomain', { domain: 'one.example.org' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'domain', message: expect.stringContaining('one.example.org is not one of your domains (three.example.org, two.example.org)') as string },
    });
    expect(await core.run('certificates.addDomain', { domain: 'com' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'domain' } });
    await must(core.run('certificates.setDomains', { domains: [] }));
  });

  it('explains trust for every system and client, this one first, and installTrust says what to run where it cannot prompt', async () => {
    const trust = await must(core.run('certificates.trust', {}));
    const root = join(dir.path, 'tls', 'root.crt');
    expect(trust.rootCertificatePath).toBe(root);
    expect(trust.systems.map((system) => system.id).sort()).toEqual(['debian', 'fedora', 'macos', 'windows']);
    expect(trust.clients.map((client) => client.id)).toEqual(['firefox', 'chrome-linux', 'node', 'python', 'curl', 'java', 'docker', 'wsl']);
    if (trust.current !== null) expect(trust.systems[0]?.id).toBe(trust.current);
    expect(trust.systems.flatMap((system) => system.steps).some((step) => step.command?.includes(root))).toBe(true);

    const install = await core.run('certificates.installTrust', {});
    expect(install).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
    if (trust.current !== null) expect((install as { error: { message: string } }).error.message).toContain(root);
  });

  it('no answer and no event of any certificate command holds key material, in any form', async () => {
    const answers: Envelope<unknown>[] = [];
    const called = new Set<CommandName>();
    const run = async (name: CommandName, input: unknown) => {
      called.add(name);
      const answer = await core.run(name, input);
      answers.push(answer);
      return answer;
    };
    const issued = (await run('certificates.issue', { names: ['secret.localhost', '::1'] })) as Envelope<{ id: string; keyPath: string }>;
    if (!issued.ok) throw new Error(issued.error.message);
    const forms = keyForms(issued.result.keyPath);
    const rsa = (await run('certificates.issue', { names: ['secret.localhost'], keyType: 'rsa-2048' })) as Envelope<{ keyPath: string }>;
    if (!rsa.ok) throw new Error(rsa.error.message);
    forms.push(...keyForms(rsa.result.keyPath));
    await run('certificates.get', {});
    await run('certificates.regenerate', { id: issued.result.id });
    forms.push(...keyForms(issued.result.keyPath));
    await run('certificates.exportCa', {});
    await run('certificates.setDomains', { domains: ['secret.example.net'] });
    await run('certificates.addDomain', { domain: 'more.example.net' });
    await run('certificates.removeDomain', { domain: 'more.example.net' });
    await run('certificates.trust', {});
    await run('certificates.installTrust', {});
    await run('certificates.issue', { names: ['example.com'] });
    await run('certificates.remove', { names: ['secret.localhost', '::1'] });
    expect([...called].sort()).toEqual(commandNames.filter((name) => name.startsWith('certificates.')).sort());

    forms.push(...['root.key', 'intermediate.key'].flatMap((file) => keyForms(join(dir.path, 'tls', file))));
    const text = JSON.stringify([answers, events]);
    expect(leakedKeyForms(text, forms)).toEqual([]);
    expect(text).toContain(issued.result.keyPath); // The path, which is what users get.
  });
});

describe('certificate commands and the HTTPS listener', () => {
  const dir = tempDir('switchyard-certs-https-');
  let core: Core;

  beforeAll(async () => {
    core = await Core.start({ dataDir: dir.path, httpPort: 0, httpsPort: 0, httpAddresses: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await core.stop();
    dir.remove();
  });

  it("serves a route's regenerated certificate at the next connection, and a new one after a remove, without a restart", async () => {
    await must(core.run('routes.create', { host: 'live.localhost' }));
    const ca = (await must(core.run('certificates.exportCa', {}))).certificatePem;
    const served = async () => (await httpsRequest(httpsPort(core), 'live.localhost', '/', { ca })).certificate.fingerprint256;

    const first = await served();
    const listed = (await must(core.run('certificates.get', {}))).leaves.find((leaf) => leaf.id === 'live.localhost');
    expect(listed?.fingerprint256).toBe(first);

    const regenerated = await must(core.run('certificates.regenerate', { id: 'live.localhost' }));
    expect(regenerated.fingerprint256).not.toBe(first);
    expect(await served()).toBe(regenerated.fingerprint256);

    await must(core.run('certificates.remove', { id: 'live.localhost' }));
    const reissued = await served();
    expect([first, regenerated.fingerprint256]).not.toContain(reissued);
    expect((await must(core.run('certificates.get', {}))).leaves.find((leaf) => leaf.id === 'live.localhost')?.fingerprint256).toBe(reissued);
  });
});
