import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LEAF_VALIDITY_DAYS, needsRenewal, openLocalCa, type LocalCa } from '../../src/main/core/tls';
import { writeFileAtomic } from '../../src/main/core/tls/tls-files';
import { SwitchyardError } from '../../src/shared/errors';
import { tempDir } from '../helpers/core';

const DAY_MS = 24 * 60 * 60 * 1000;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

function dataDir(): string {
  const dir = tempDir('switchyard-local-ca-');
  cleanups.push(() => dir.remove());
  return join(dir.path, 'data');
}

/** ext4's, APFS's and NTFS's limit on one file name. */
const MAX_FILE_NAME_BYTES = 255;
/** What a temp file adds to a name while it is written: `.<pid>.<8 hex>.tmp` with a pid of up to 7 digits. */
const TEMP_ENDING_BYTES = 21;

/** Above Linux's largest pid_max (2^22): no process has it. */
const DEAD_PID = 99_999_999;

const modeOf = (path: string) => statSync(path).mode & 0o7777;

async function rejection(promise: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SwitchyardError) return error;
    throw error;
  }
  throw new Error('Expected a SwitchyardError; the promise resolved.');
}

/** The certificate as the openssl binary prints it: the extensions as a validator reads them, not as our library wrote them. */
const opensslText = (pem: string) => execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' });

describe('local CA', () => {
  it('creates a root and a name-constrained intermediate in <dataDir>/tls, keys 0600 and folders 0700', async () => {
    const dir = dataDir();
    const ca = await openLocalCa({ dataDir: dir });
    const tls = join(dir, 'tls');
    expect(readdirSync(tls).sort()).toEqual(['intermediate.crt', 'intermediate.key', 'leaves', 'root.crt', 'root.key']);
    expect(modeOf(tls)).toBe(0o700);
    expect(modeOf(join(tls, 'leaves'))).toBe(0o700);
    expect(modeOf(join(tls, 'root.key'))).toBe(0o600);
    expect(modeOf(join(tls, 'intermediate.key'))).toBe(0o600);

    const leaf = await ca.issueLeaf(['api.test.localhost']);
    expect(modeOf(join(tls, 'leaves', 'api.test.localhost.key'))).toBe(0o600);
    expect(leaf.names).toEqual(['api.test.localhost']);

    const root = new X509Certificate(ca.rootCertificatePem);
    expect(root.subject).toMatch(/^O=Switchyard\nCN=Switchyard Local CA — .+@.+$/);
    expect(root.ca).toBe(true);
    const years = (Date.parse(root.validTo) - Date.parse(root.validFrom)) / (365 * DAY_MS);
    expect(Math.round(years)).toBe(10);

    const intermediate = new X509Certificate(ca.intermediateCertificatePem);
    expect(intermediate.subject).toContain('CN=Switchyard Local Issuing CA');
    expect(intermediate.checkIssued(root)).toBe(true);
    expect(ca.permittedDomains).toEqual(['home.arpa', 'internal', 'localhost', 'test']);
  });

  it('marks the CA extensions critical and encodes the constraints as OpenSSL reads them', async () => {
    const ca = await openLocalCa({ dataDir: dataDir() });
    const text = opensslText;
    const root = text(ca.rootCertificatePem);
    expect(root).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(root).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(root).toContain('X509v3 Subject Key Identifier');
    const intermediate = text(ca.intermediateCertificatePem);
    expect(intermediate).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(intermediate).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(intermediate).toContain('X509v3 Authority Key Identifier');
    expect(intermediate).toMatch(
      /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:home\.arpa\s+DNS:internal\s+DNS:localhost\s+DNS:test\s+IP:127\.0\.0\.0\/255\.0\.0\.0\s+IP:0:0:0:0:0:0:0:1\/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF/,
    );
    const leaf = text((await ca.issueLeaf(['*.demo.localhost', '127.0.0.1'])).certificatePem);
    expect(leaf).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(leaf).toMatch(/X509v3 Extended Key Usage: \s*TLS Web Server Authentication\n/);
    expect(leaf).toMatch(/X509v3 Subject Alternative Name: \s*DNS:\*\.demo\.localhost, IP Address:127\.0\.0\.1/);
    expect(leaf).toContain('ecPublicKey');
  });

  it('issues leaves inside the constraints and refuses the rest with a code and what to do', async () => {
    const ca = await openLocalCa({ dataDir: dataDir() });
    for (const name of ['localhost', 'a.localhost', 'x.y.localhost', 'api.test', 'nas.home.arpa', 'db.internal', '*.demo.localhost', '127.0.0.1', '127.9.8.7', '::1']) {
      expect((await ca.issueLeaf([name])).names).toEqual([name]);
    }
    for (const name of ['example.com', 'localhost.example.com', 'notlocalhost', '10.0.0.1', '::2', '*.example.com']) {
      const error = await rejection(ca.issueLeaf(['api.localhost', name]));
      expect(error.code).toBe('CERT_NAME_NOT_PERMITTED');
      expect(error.field).toBe('names.1');
      expect(error.message).toContain(`${name} is outside the names this local CA may certify`);
      // What to do instead: a domain to add for a DNS name, a loopback address for an IP, a name under localhost for a single label.
      const hint = { 'example.com': 'cert domains add example.com`', 'localhost.example.com': 'cert domains add example.com`', '*.example.com': 'cert domains add example.com`', notlocalhost: 'e.g. notlocalhost.localhost.' }[name] ?? 'Only loopback addresses can be certified';
      expect(error.message).toContain(hint);
    }
    expect((await rejection(ca.issueLeaf(['*.localhost']))).code).toBe('VALIDATION_FAILED');
    expect((await rejection(ca.issueLeaf(['bad_name.localhost']))).code).toBe('VALIDATION_FAILED');
    expect((await rejection(ca.issueLeaf([]))).code).toBe('VALIDATION_FAILED');
  });

  it('refuses IPv4-mapped IPv6 (outside ::1/128 in a certificate) naming the IPv4 form; what it issues for loopback passes openssl verify', async () => {
    const dir = dataDir();
    const ca = await openLocalCa({ dataDir: dir });
    for (const name of ['::ffff:127.0.0.1', '::FFFF:7f00:1', '0:0:0:0:0:ffff:127.9.8.7']) {
      expect(ca.permits(name)).toBe(false);
      const error = await rejection(ca.issueLeaf(['api.localhost', name]));
      expect(error).toMatchObject({ code: 'CERT_NAME_NOT_PERMITTED', field: 'names.1' });
      expect(error.message).toMatch(/IPv4-mapped.*Name it in its IPv4 form, 127\.\d+\.\d+\.\d+,/);
    }
    expect((await rejection(ca.issueLeaf(['::ffff:10.0.0.1']))).message).toContain('Only loopback addresses can be certified');
    expect(readdirSync(join(dir, 'tls', 'leaves'))).toEqual([]);

    const leaf = await ca.issueLeaf(['127.0.0.1', '::1', '0:0:0:0:0:0:0:1']);
    expect(leaf.names).toEqual(['127.0.0.1', '::1']);
    const tls = join(dir, 'tls');
    const verified = execFileSync('openssl', ['verify', '-CAfile', join(tls, 'root.crt'), '-untrusted', join(tls, 'intermediate.crt'), leaf.certificatePath], { encoding: 'utf8' });
    expect(verified.trim()).toBe(`${leaf.certificatePath}: OK`);
  });

  it('stores a leaf for a 242-character host under a capped file name (readable start, hash of the whole), found and listed again', async () => {
    const ca = await openLocalCa({ dataDir: dataDir() });
    const long = `${['a', 'b', 'c'].map((letter) => letter.repeat(63)).join('.')}.${'d'.repeat(40)}.localhost`;
    const twin = `${long.slice(0, -'x.localhost'.length)}e.localhost`;
    expect(long).toHaveLength(242);
    const leaf = await ca.issueLeaf([long]);
    expect(leaf.names).toEqual([long]);
    expect(leaf.id).toMatch(/^a{63}\.b{63}\.c{55}-[0-9a-f]{16}$/);
    expect(basename(leaf.chainPath).length).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES - TEMP_ENDING_BYTES);
    expect((await ca.leaf([long])).fingerprint256).toBe(leaf.fingerprint256);
    expect(ca.leaves().map((listed) => listed.id)).toEqual([leaf.id]);

    const rsa = await ca.issueLeaf([long], { keyType: 'rsa-2048' });
    expect(rsa.id).toMatch(/^a{63}\.b{63}\.c{46}-[0-9a-f]{16}\.rsa-2048$/);
    expect((await ca.issueLeaf([twin])).id).not.toBe(leaf.id);
    expect(ca.removeLeaf(leaf.id).names).toEqual([long]);
  });

  it('a failed atomic write is a WRITE_FAILED sentence even when removing its temp file fails too', () => {
    const dir = dataDir();
    mkdirSync(dir);
    const file = join(dir, 'x'.repeat(MAX_FILE_NAME_BYTES));
    let thrown: unknown;
    try {
      writeFileAtomic(file, 'text', 0o600);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SwitchyardError);
    expect((thrown as SwitchyardError).code).toBe('WRITE_FAILED');
    expect((thrown as SwitchyardError).message).toContain('ENAMETOOLONG');
  });

  it('issues ECDSA P-256 by default and RSA 2048 on request, for 397 days', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const ca = await openLocalCa({ dataDir: dataDir(), now: () => now });
    const ecdsa = await ca.issueLeaf(['api.test.localhost']);
    expect(ecdsa.keyType).toBe('ecdsa-p256');
    const ecKey = new X509Certificate(ecdsa.certificatePem).publicKey;
    expect(ecKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ecdsa.notAfter.getTime() - now.getTime()).toBe(LEAF_VALIDITY_DAYS * DAY_MS);

    const rsa = await ca.issueLeaf(['old.test.localhost'], { keyType: 'rsa-2048' });
    expect(rsa.keyType).toBe('rsa-2048');
    expect(new X509Certificate(rsa.certificatePem).publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('reuses the same CA on a second start, and re-issues only the intermediate when the user adds a domain', async () => {
    const dir = dataDir();
    const first = await openLocalCa({ dataDir: dir });
    const fingerprint = first.rootFingerprint256;
    const intermediatePem = first.intermediateCertificatePem;
    expect((await rejection(first.issueLeaf(['api.dev.example.com']))).code).toBe('CERT_NAME_NOT_PERMITTED');

    const second = await openLocalCa({ dataDir: dir });
    expect(second.rootFingerprint256).toBe(fingerprint);
    expect(second.intermediateCertificatePem).toBe(intermediatePem);

    const withDomain = await openLocalCa({ dataDir: dir, domains: ['Dev.Example.com.'] });
    expect(withDomain.rootFingerprint256).toBe(fingerprint);
    expect(withDomain.permittedDomains).toEqual(['dev.example.com', 'home.arpa', 'internal', 'localhost', 'test']);
    expect(withDomain.intermediateCertificatePem).not.toBe(intermediatePem);
    expect((await withDomain.issueLeaf(['api.dev.example.com'])).names).toEqual(['api.dev.example.com']);

    // The same key under the new certificate: what leaves issued before chain to.
    const before = new X509Certificate(intermediatePem);
    const after = new X509Certificate(withDomain.intermediateCertificatePem);
    expect(after.publicKey.equals(before.publicKey)).toBe(true);
    expect((await openLocalCa({ dataDir: dir, domains: ['dev.example.com'] })).intermediateCertificatePem).toBe(withDomain.intermediateCertificatePem);
  });

  it('refuses a user domain that would permit a whole TLD or is not a domain', async () => {
    for (const domain of ['com', '*.example.com', 'exa mple.com', '127.0.0.1']) {
      const error = await rejection(openLocalCa({ dataDir: dataDir(), domains: ['ok.example', domain] }));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.field).toBe('domains.1');
    }
  });

  it('keeps a stored leaf until 30 days before it expires, then issues a new one (the clock injected)', async () => {
    let now = new Date('2026-06-01T00:00:00Z');
    const ca = await openLocalCa({ dataDir: dataDir(), now: () => now });
    const first = await ca.leaf(['api.test.localhost']);
    expect((await ca.leaf(['api.test.localhost'])).fingerprint256).toBe(first.fingerprint256);

    now = new Date(first.notAfter.getTime() - 31 * DAY_MS);
    expect((await ca.leaf(['api.test.localhost'])).fingerprint256).toBe(first.fingerprint256);
    now = new Date(first.notAfter.getTime() - 29 * DAY_MS);
    const renewed = await ca.leaf(['api.test.localhost']);
    expect(renewed.fingerprint256).not.toBe(first.fingerprint256);
    expect(renewed.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());

    // Other names or another key type under the same first name: a new certificate.
    expect((await ca.leaf(['api.test.localhost', 'www.test.localhost'])).names).toEqual(['api.test.localhost', 'www.test.localhost']);
    expect((await ca.leaf(['api.test.localhost'], { keyType: 'rsa-2048' })).keyType).toBe('rsa-2048');
  });

  it('issues one certificate for concurrent requests of a new name, and finds an IPv6 leaf again however it is written', async () => {
    const ca = await openLocalCa({ dataDir: dataDir() });
    const leaves = await Promise.all(Array.from({ length: 5 }, () => ca.leaf(['burst.test.localhost'])));
    expect(new Set(leaves.map((leaf) => leaf.fingerprint256)).size).toBe(1);
    expect((await ca.leaf(['burst.test.localhost'])).fingerprint256).toBe(leaves[0]?.fingerprint256);

    const ipv6 = await ca.leaf(['0:0:0:0:0:0:0:1']);
    expect(ipv6.names).toEqual(['::1']);
    expect((await ca.leaf(['::1'])).fingerprint256).toBe(ipv6.fingerprint256);
  });

  it('a forced issue while a handshake reuses the same leaf issues a new one, and the files hold it', async () => {
    const ca = await openLocalCa({ dataDir: dataDir() });
    const stored = await ca.leaf(['busy.test.localhost']);
    const [reused, forced] = await Promise.all([ca.leaf(['busy.test.localhost']), ca.issueLeaf(['busy.test.localhost'])]);
    expect(reused.fingerprint256).toBe(stored.fingerprint256);
    expect(forced.fingerprint256).not.toBe(stored.fingerprint256);
    expect(new X509Certificate(readFileSync(forced.certificatePath)).fingerprint256).toBe(forced.fingerprint256);
    // Handshakes after it, and during a second forced issue, get the new leaf, not the replaced one.
    const [during, again] = await Promise.all([ca.issueLeaf(['busy.test.localhost']), ca.leaf(['busy.test.localhost'])]);
    expect(again.fingerprint256).toBe(during.fingerprint256);
    expect((await ca.leaf(['busy.test.localhost'])).fingerprint256).toBe(during.fingerprint256);
  });

  it('two starts at the same moment on a new data folder end with one CA', async () => {
    const dir = dataDir();
    const [a, b] = await Promise.all([openLocalCa({ dataDir: dir }), openLocalCa({ dataDir: dir })]);
    expect(a.rootFingerprint256).toBe(b.rootFingerprint256);
    expect(a.intermediateCertificatePem).toBe(b.intermediateCertificatePem);
    expect(readdirSync(dir)).toEqual(['tls']);
  });

  it('writes past a temp file a killed process of the same pid left behind (a container restarts with the same pid)', async () => {
    const dir = dataDir();
    const ca = await openLocalCa({ dataDir: dir });
    const stale = join(dir, 'tls', 'leaves', `api.test.localhost.key.${process.pid}.tmp`);
    writeFileSync(stale, 'half a key');
    expect((await ca.issueLeaf(['api.test.localhost'])).names).toEqual(['api.test.localhost']);
    expect(readFileSync(join(dir, 'tls', 'leaves', 'api.test.localhost.key'), 'utf8')).toContain('BEGIN PRIVATE KEY');
  });

  it('removes the temp files and folders a killed process left, when the CA opens: only ours, only when their writer is gone or they are old', async () => {
    const dir = dataDir();
    await openLocalCa({ dataDir: dir });
    const tls = join(dir, 'tls');
    const leaves = join(tls, 'leaves');
    const temp = (path: string, pid: number) => `${path}.${pid}.0a1b2c3d.tmp`;
    const gone = [
      temp(join(leaves, 'api.localhost.key'), DEAD_PID),
      temp(join(leaves, 'api.localhost.chain.pem'), DEAD_PID),
      temp(join(tls, 'root.key'), DEAD_PID),
      temp(join(leaves, 'old.localhost.key'), process.pid),
    ];
    const kept = [
      temp(join(leaves, 'writing.localhost.key'), process.pid), // A write under way in this process.
      temp(join(leaves, 'notes.txt'), DEAD_PID), // Not one of our files.
      join(leaves, `mine.key.${DEAD_PID}.tmp`),
      temp(join(dir, 'backup'), DEAD_PID),
    ];
    for (const file of [...gone, ...kept]) writeFileSync(file, 'half a key');
    const longAgo = new Date(Date.now() - 2 * 60_000);
    utimesSync(gone[3]!, longAgo, longAgo);
    const halfCa = temp(tls, DEAD_PID);
    mkdirSync(join(halfCa, 'leaves'), { recursive: true });
    writeFileSync(join(halfCa, 'root.key'), 'a key');

    await openLocalCa({ dataDir: dir });
    expect([...gone, halfCa].filter((file) => existsSync(file))).toEqual([]);
    expect(kept.filter((file) => !existsSync(file))).toEqual([]);
  });

  it('refuses a damaged CA with what to do, instead of replacing a root the user trusts', async () => {
    const dir = dataDir();
    await openLocalCa({ dataDir: dir });
    const tls = join(dir, 'tls');
    rmSync(join(tls, 'intermediate.key'));
    const missing = await rejection(openLocalCa({ dataDir: dir }));
    expect(missing.code).toBe('STORE_FAILED');
    expect(missing.message).toContain(`${join(tls, 'intermediate.key')} is missing`);
    expect(missing.message).toContain('move it away so Switchyard creates a new CA');

    writeFileSync(join(tls, 'root.crt'), 'not a certificate');
    expect((await rejection(openLocalCa({ dataDir: dir }))).message).toContain(`${join(tls, 'root.crt')} is not a certificate`);
  });

  it('needsRenewal: false at expiry - 31 days, true at expiry - 29 days and after', () => {
    const notAfter = new Date('2027-07-03T12:00:00Z');
    expect(needsRenewal({ notAfter }, new Date(notAfter.getTime() - 31 * DAY_MS))).toBe(false);
    expect(needsRenewal({ notAfter }, new Date(notAfter.getTime() - 29 * DAY_MS))).toBe(true);
    expect(needsRenewal({ notAfter }, new Date(notAfter.getTime() + DAY_MS))).toBe(true);
  });

  it('gives callers certificates, never a key', async () => {
    const ca: LocalCa = await openLocalCa({ dataDir: dataDir() });
    const leaf = await ca.issueLeaf(['api.test.localhost']);
    const seen = JSON.stringify({ leaf, ca, root: ca.rootCertificatePem, intermediate: ca.intermediateCertificatePem, own: Object.getOwnPropertyNames(ca) });
    expect(seen).not.toContain('PRIVATE KEY');
    expect(Object.getOwnPropertyNames(ca)).toEqual([]);
  });
});

// Only the engine may take a key out of src/main/core/tls (for its TLS
// listener); everything else imports the folder's index, which exports none.
const root = join(__dirname, '..', '..');
const TLS_DIR = 'src/main/core/tls';
const ENGINE_DIR = 'src/main/core/engine';
const relativeImport = /(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) ? [path] : [];
  });
}

/** Imports of the tls folder that reach past its index: allowed from inside it, and engine-credentials from the engine. */
function forbiddenTlsImports(file: string, text: string): string[] {
  const from = relative(root, file);
  if (from.startsWith(`${TLS_DIR}/`)) return [];
  return [...text.matchAll(relativeImport)]
    .map((match) => relative(root, resolve(dirname(file), match[1] ?? '')))
    .filter((target) => target.startsWith(`${TLS_DIR}/`) && target !== `${TLS_DIR}/index`)
    .filter((target) => !(from.startsWith(`${ENGINE_DIR}/`) && target === `${TLS_DIR}/engine-credentials`))
    .map((target) => `${from} imports ${target}`);
}

describe('who may import key material', () => {
  it('nothing under src imports the tls folder past its index, except the engine for engine-credentials', () => {
    const offenders = sourceFiles(join(root, 'src')).flatMap((file) => forbiddenTlsImports(file, readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the detector catches a renderer or API file importing keys', () => {
    const api = join(root, 'src/main/core/api/certs.ts');
    expect(forbiddenTlsImports(api, "import { leafKeyPair } from '../tls/local-ca';")).toEqual(['src/main/core/api/certs.ts imports src/main/core/tls/local-ca']);
    expect(forbiddenTlsImports(api, "import { x } from '../engine/listeners/tls/sni';")).toEqual([]);
    expect(forbiddenTlsImports(api, "import { openLocalCa } from '../tls/index';")).toEqual([]);
    expect(forbiddenTlsImports(api, "import { secureContextCredentials } from '../tls/engine-credentials';")).toHaveLength(1);
    expect(forbiddenTlsImports(api, "import { openLocalCa } from '../tls';")).toEqual([]);
    const engine = join(root, 'src/main/core/engine/listeners/https-listener.ts');
    expect(forbiddenTlsImports(engine, "import { secureContextCredentials } from '../../tls/engine-credentials';")).toEqual([]);
  });
});
