import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { secureContextCredentials } from '../../src/main/core/tls/engine-credentials';
import { openLocalCa } from '../../src/main/core/tls';
import { tempDir } from '../helpers/core';
import { forgeLeaf } from '../helpers/local-ca';
import { handshake, serveTls } from '../helpers/tls-check';

// The local CA as clients see it: a Node TLS client that trusts only the root
// (what a user gets after "trust the CA") and the openssl binary as a second,
// independent validator.

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDir(): string {
  const dir = tempDir('switchyard-local-ca-tls-');
  cleanups.push(() => dir.remove());
  return join(dir.path, 'data');
}

/** serveTls, closed after the test: its port. */
async function serve(credentials: { key: string; cert: string }): Promise<number> {
  const server = await serveTls(credentials);
  cleanups.push(() => server.close());
  return server.port;
}

/** `openssl verify` of a leaf against the root, the intermediate given as untrusted: exit status and output. */
function opensslVerify(dir: string, leafPem: string): { status: number | null; output: string } {
  const leafFile = join(dir, 'verify-leaf.crt');
  writeFileSync(leafFile, leafPem);
  const tls = join(dir, 'tls');
  const result = spawnSync('openssl', ['verify', '-CAfile', join(tls, 'root.crt'), '-untrusted', join(tls, 'intermediate.crt'), leafFile], {
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('local CA over real TLS', () => {
  it('a client that trusts only the root verifies api.test.localhost (chain: leaf + intermediate)', async () => {
    const dir = dataDir();
    const ca = await openLocalCa({ dataDir: dir });
    const credentials = await secureContextCredentials(ca, ['api.test.localhost']);
    expect(credentials.cert.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const port = await serve(credentials);
    expect(await handshake(port, ca.rootCertificatePem, 'api.test.localhost')).toEqual({ ok: true, body: 'ok' });
    // The name is checked too: the same certificate for another name is refused.
    const other = await handshake(port, ca.rootCertificatePem, 'web.test.localhost');
    expect(other).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(opensslVerify(dir, (await ca.leaf(['api.test.localhost'])).certificatePem)).toMatchObject({ status: 0 });
  });

  it('bare localhost and a two-level subdomain verify under the one `localhost` constraint (no leading dot)', async () => {
    const dir = dataDir();
    const ca = await openLocalCa({ dataDir: dir });
    const port = await serve(await secureContextCredentials(ca, ['localhost', 'x.y.localhost']));
    expect(await handshake(port, ca.rootCertificatePem, 'localhost')).toEqual({ ok: true, body: 'ok' });
    expect(await handshake(port, ca.rootCertificatePem, 'x.y.localhost')).toEqual({ ok: true, body: 'ok' });
    expect(opensslVerify(dir, (await ca.leaf(['localhost', 'x.y.localhost'])).certificatePem)).toMatchObject({ status: 0 });
  });

  it('a wildcard leaf serves a.demo.localhost, an IP leaf 127.0.0.1, an RSA leaf too', async () => {
    const ca = await openLocalCa({ dataDir: dataDir() });
    const wildcard = await serve(await secureContextCredentials(ca, ['*.demo.localhost']));
    expect(await handshake(wildcard, ca.rootCertificatePem, 'a.demo.localhost')).toEqual({ ok: true, body: 'ok' });
    const ip = await serve(await secureContextCredentials(ca, ['127.0.0.1']));
    expect(await handshake(ip, ca.rootCertificatePem)).toEqual({ ok: true, body: 'ok' });
    const rsa = await serve(await secureContextCredentials(ca, ['old.test'], { keyType: 'rsa-2048' }));
    expect(await handshake(rsa, ca.rootCertificatePem, 'old.test')).toEqual({ ok: true, body: 'ok' });
  });

  it('a leaf for example.com forged with the intermediate key is refused by Node and by openssl verify', async () => {
    const dir = dataDir();
    const ca = await openLocalCa({ dataDir: dir });
    const forged = await forgeLeaf(dir, ca, 'example.com');
    const port = await serve(forged);
    const outcome = await handshake(port, ca.rootCertificatePem, 'example.com');
    // OpenSSL's X509_V_ERR_PERMITTED_VIOLATION: Node has no code name for it (UNSPECIFIED), the message is OpenSSL's.
    expect(outcome).toEqual({ ok: false, code: 'UNSPECIFIED', message: 'permitted subtree violation' });

    const verdict = opensslVerify(dir, forged.cert.split(/(?<=-----END CERTIFICATE-----)/)[0] ?? '');
    expect(verdict.status).not.toBe(0);
    expect(verdict.output).toMatch(/permitted subtree violation/);

    // The same forgery inside the constraints verifies: what refused example.com is the constraint, not the forging.
    const inside = await forgeLeaf(dir, ca, 'forged.localhost');
    expect(await handshake(await serve(inside), ca.rootCertificatePem, 'forged.localhost')).toEqual({ ok: true, body: 'ok' });
  });

  it('a leaf issued before the user adds a domain still verifies under the re-issued intermediate, and the new domain works', async () => {
    const dir = dataDir();
    const before = await openLocalCa({ dataDir: dir });
    const leaf = await before.leaf(['api.test.localhost']);
    const after = await openLocalCa({ dataDir: dir, domains: ['dev.example.com'] });
    const credentials = await secureContextCredentials(after, ['api.test.localhost']);
    expect((await after.leaf(['api.test.localhost'])).fingerprint256).toBe(leaf.fingerprint256);
    expect(credentials.cert).toContain(after.intermediateCertificatePem.trim());
    expect(await handshake(await serve(credentials), after.rootCertificatePem, 'api.test.localhost')).toEqual({ ok: true, body: 'ok' });
    const port = await serve(await secureContextCredentials(after, ['api.dev.example.com']));
    expect(await handshake(port, after.rootCertificatePem, 'api.dev.example.com')).toEqual({ ok: true, body: 'ok' });
  });
});
