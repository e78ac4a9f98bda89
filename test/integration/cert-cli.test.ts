import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startServe, type ServeProcess } from '../helpers/cli';
import { tempDir } from '../helpers/core';
import { keyForms, leakedKeyForms, type KeyForm } from '../helpers/key-material';
import { handshake, serveTls, type TlsServer } from '../helpers/tls-check';

// `switchyard cert ...` as a user types it, against a real serve: the files
// `cert issue` names run a TLS server that a client trusting only the root
// `cert export-ca --out` wrote verifies; nothing printed holds a key.

/** Each CLI run is a Node start (about a second, several on a loaded machine); a test here runs up to eight. */
const CLI_STEPS_TIMEOUT_MS = 60_000;

describe('switchyard cert', () => {
  const dir = tempDir('switchyard-cert-cli-');
  let serve: ServeProcess;
  const servers: TlsServer[] = [];
  const printed: string[] = [];
  /** Every key the data folder held after any command, in every form it could be printed in. */
  const keys = new Map<string, KeyForm>();
  const collectKeys = () => {
    const tls = join(dir.path, 'tls');
    const leaves = join(tls, 'leaves');
    const files = [join(tls, 'root.key'), join(tls, 'intermediate.key'), ...readdirSync(leaves).filter((file) => file.endsWith('.key')).map((file) => join(leaves, file))];
    for (const form of files.flatMap((file) => keyForms(file))) keys.set(form.text, form);
  };
  const run = async (...args: string[]) => {
    const result = await cli([...args, '--data-dir', dir.path]);
    printed.push(result.stdout, result.stderr);
    collectKeys();
    return result;
  };

  beforeAll(async () => {
    serve = await startServe(dir.path);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await serve?.stop();
    dir.remove();
  });

  it('issue prints the chain and key paths; a server on them verifies with the root from export-ca --out', async () => {
    const issued = await run('cert', 'issue', 'web.test.localhost', '*.web.test.localhost');
    expect(issued).toMatchObject({ code: 0, stderr: '' });
    expect(issued.stdout).toContain('Issued a certificate for *.web.test.localhost, web.test.localhost (ecdsa-p256)');
    const chain = /certificate \+ chain\s+(\S+)/.exec(issued.stdout)?.[1];
    const key = /private key\s+(\S+)/.exec(issued.stdout)?.[1];
    expect(chain?.startsWith(join(dir.path, 'tls', 'leaves'))).toBe(true);
    expect(key?.endsWith('.key')).toBe(true);

    const rootFile = join(dir.path, 'exported-root.pem');
    const exported = await run('cert', 'export-ca', '--out', rootFile);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toMatch(/^Wrote the root certificate \(SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\) to /);
    const root = readFileSync(rootFile, 'utf8');
    expect((await run('cert', 'export-ca')).stdout.trim()).toBe(root.trim());

    const server = await serveTls({ cert: readFileSync(chain!, 'utf8'), key: readFileSync(key!, 'utf8') });
    servers.push(server);
    expect(await handshake(server.port, root, 'a.web.test.localhost')).toEqual({ ok: true, body: 'ok' });
    expect(await handshake(server.port, root, 'web.test.localhost')).toEqual({ ok: true, body: 'ok' });
  }, CLI_STEPS_TIMEOUT_MS);

  it('issue --rsa, list as a table and as JSON with the route that uses a certificate', async () => {
    expect((await run('route', 'add', 'shop.localhost')).code).toBe(0);
    expect(await run('cert', 'issue', 'shop.localhost', '--rsa')).toMatchObject({ code: 0, stderr: '' });
    const list = await run('cert', 'list');
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(/^Local CA\s+O=Switchyard, CN=Switchyard Local CA — /);
    expect(list.stdout).toMatch(/NAMES\s+KEY\s+EXPIRES\s+STATE\s+ROUTES\s+ID/);
    expect(list.stdout).toMatch(/shop\.localhost\s+rsa-2048\s+\d{4}-\d\d-\d\d\s+valid\s+shop\.localhost\s+shop\.localhost\.rsa-2048/);
    const json = JSON.parse((await run('cert', 'list', '--json')).stdout) as { leaves: { id: string; keyPath: string }[] };
    expect(json.leaves.map((leaf) => leaf.id)).toContain('shop.localhost.rsa-2048');
  }, CLI_STEPS_TIMEOUT_MS);

  it('trust prints this system first with the root path filled in, then the others and each client', async () => {
    const trust = await run('cert', 'trust');
    expect(trust).toMatchObject({ code: 0, stderr: '' });
    const root = join(dir.path, 'tls', 'root.crt');
    expect(trust.stdout).toContain(`The root certificate: ${root}`);
    for (const title of ['macOS', 'Windows', 'Firefox', 'Node.js', 'Python', 'curl', 'Java', 'Docker containers', 'WSL']) expect(trust.stdout).toContain(title);
    expect(trust.stdout).toContain(`curl --cacert ${root}`);
    // Here (Debian) its own command comes before every other system's.
    if (readFileSync('/etc/os-release', 'utf8').includes('ID=debian')) {
      expect(trust.stdout.indexOf('update-ca-certificates')).toBeLessThan(trust.stdout.indexOf('Other systems'));
    }
  }, CLI_STEPS_TIMEOUT_MS);

  it('a refused name says how to add its domain; domains add then lets it be issued', async () => {
    const refused = await run('cert', 'issue', 'api.dev.example.com');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('`switchyard cert domains add example.com`');
    expect(await run('cert', 'domains', 'add', 'example.com')).toMatchObject({ code: 0, stderr: '' });
    expect((await run('cert', 'domains')).stdout.trim()).toBe('example.com');
    expect((await run('cert', 'issue', 'api.dev.example.com')).code).toBe(0);
  }, CLI_STEPS_TIMEOUT_MS);

  it('remove deletes; refusals exit 1 with what to do, usage mistakes exit 2', async () => {
    const removed = await run('cert', 'remove', 'api.dev.example.com');
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toContain('Removed the certificate for api.dev.example.com');
    expect(await run('cert', 'remove', 'api.dev.example.com')).toMatchObject({ code: 1, stderr: expect.stringContaining('No certificate names api.dev.example.com') as string });
    expect(await run('cert', 'domains', 'remove', 'example.com')).toMatchObject({ code: 0 });
    expect((await run('cert', 'domains', 'remove', 'example.com')).code).toBe(1);

    // Two at once, as two terminals or scripts would: both stay (each used to write back the list it read, dropping the other's).
    const both = await Promise.all(['one.example.org', 'two.example.org'].map((domain) => run('cert', 'domains', 'add', domain)));
    expect(both.map((result) => result.code)).toEqual([0, 0]);
    expect((await run('cert', 'domains')).stdout.trim().split('\n')).toEqual(['one.example.org', 'two.example.org']);
    const removedBoth = await Promise.all(['one.example.org', 'two.example.org'].map((domain) => run('cert', 'domains', 'remove', domain)));
    expect(removedBoth.map((result) => result.code)).toEqual([0, 0]);
    expect((await run('cert', 'domains')).stdout).toContain('No domains of your own');

    expect((await run('cert')).code).toBe(2);
    expect((await run('cert', 'issue')).code).toBe(2);
    expect((await run('cert', 'remove', 'x.localhost', '--id', 'x.localhost')).code).toBe(2);
  }, CLI_STEPS_TIMEOUT_MS);

  it('printed nothing that holds a key, in any form', () => {
    // Root, intermediate, and the leaves of issue, issue --rsa and the issue a later remove deleted.
    expect(new Set([...keys.values()].map(({ form }) => form.replace(/^.* of /, ''))).size).toBeGreaterThanOrEqual(5);
    expect(leakedKeyForms(printed.join('\n'), [...keys.values()])).toEqual([]);
  });
});
