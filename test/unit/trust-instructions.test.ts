import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTrust, openLocalCa, trustInstructions, type TrustContext } from '../../src/main/core/tls';
import { linuxFamilyOf } from '../../src/main/core/tls/trust-system';
import { tempDir } from '../helpers/core';

// The trust instructions are data the UI and `cert trust` both show: exact
// commands with the root's path filled in, the current system first.

const ROOT = '/home/ann/.local/share/switchyard/tls/root.crt';
const context = (platform: NodeJS.Platform, linuxFamily: TrustContext['linuxFamily'] = null, rootCertificatePath = ROOT): TrustContext => ({
  rootCertificatePath,
  platform,
  linuxFamily,
  wsl: false,
});

const commandOf = (instructions: ReturnType<typeof trustInstructions>, id: string) =>
  [...instructions.systems, ...instructions.clients].find((guide) => guide.id === id)?.steps.flatMap((step) => (step.command === undefined ? [] : [step.command]));

describe('trust instructions', () => {
  it('gives each system its exact command with the root path, the current system first', () => {
    const mac = trustInstructions(context('darwin'));
    expect(mac.current).toBe('macos');
    expect(mac.systems.map((system) => system.id)).toEqual(['macos', 'debian', 'fedora', 'windows']);
    expect(commandOf(mac, 'macos')?.[0]).toBe(`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${ROOT}`);
    expect(commandOf(mac, 'debian')?.[0]).toBe(`sudo cp ${ROOT} /usr/local/share/ca-certificates/switchyard.crt && sudo update-ca-certificates`);
    expect(commandOf(mac, 'fedora')?.[0]).toBe(`sudo trust anchor --store ${ROOT}`);
    expect(commandOf(mac, 'windows')?.[0]).toBe(`certutil -addstore -f ROOT ${ROOT}`);

    expect(trustInstructions(context('linux', 'fedora')).systems.map((system) => system.id)).toEqual(['fedora', 'macos', 'debian', 'windows']);
    expect(trustInstructions(context('win32')).systems[0]?.id).toBe('windows');
    const unknown = trustInstructions(context('freebsd'));
    expect(unknown.current).toBeNull();
    expect(unknown.systems.map((system) => system.id)).toEqual(['macos', 'debian', 'fedora', 'windows']);
  });

  it('has a note for every client the issue names, with its command', () => {
    const linux = trustInstructions(context('linux', 'debian'));
    expect(linux.clients.map((client) => client.id)).toEqual(['firefox', 'chrome-linux', 'node', 'python', 'curl', 'java', 'docker', 'wsl']);
    expect(commandOf(linux, 'firefox')).toEqual([`certutil -d sql:$HOME/.mozilla/firefox/<profile> -A -t C,, -n "Switchyard Local CA" -i ${ROOT}`]);
    expect(linux.clients.find((client) => client.id === 'firefox')?.steps[0]?.text).toContain('security.enterprise_roots.enabled');
    expect(commandOf(linux, 'node')).toEqual([`export NODE_EXTRA_CA_CERTS=${ROOT}`]);
    // Both variables replace the default roots: on Debian they point at the system bundle, which then holds the root.
    expect(commandOf(linux, 'python')).toEqual(['export REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt']);
    expect(commandOf(trustInstructions(context('darwin')), 'python')).toEqual([`export REQUESTS_CA_BUNDLE=${ROOT} SSL_CERT_FILE=${ROOT}`]);
    expect(commandOf(linux, 'curl')?.[0]).toMatch(new RegExp(`^curl --cacert ${ROOT} https://`));
    expect(commandOf(linux, 'java')).toEqual([`keytool -importcert -cacerts -alias switchyard -file ${ROOT}`]);
    expect(commandOf(linux, 'docker')?.[0]).toContain(`-v ${ROOT}:/usr/local/share/ca-certificates/switchyard.crt:ro`);
    expect(commandOf(linux, 'wsl')).toEqual([`certutil.exe -user -addstore Root "$(wslpath -w ${ROOT})"`]);

    const windows = trustInstructions(context('win32', null, 'C:\\Users\\Ann Lee\\AppData\\Roaming\\switchyard\\tls\\root.crt'));
    expect(commandOf(windows, 'windows')?.[0]).toBe('certutil -addstore -f ROOT "C:\\Users\\Ann Lee\\AppData\\Roaming\\switchyard\\tls\\root.crt"');
    expect(commandOf(windows, 'node')).toEqual(['$env:NODE_EXTRA_CA_CERTS = "C:\\Users\\Ann Lee\\AppData\\Roaming\\switchyard\\tls\\root.crt"']);
  });

  it("quotes a path for the shell only when it needs it, a quote in it included", () => {
    const spaced = trustInstructions(context('darwin', null, "/Users/ann/Library/Application Support/it's/root.crt"));
    expect(commandOf(spaced, 'macos')?.[0]).toBe(
      `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '/Users/ann/Library/Application Support/it'\\''s/root.crt'`,
    );
  });

  it('reads the Linux family from os-release', () => {
    expect(linuxFamilyOf('ID=debian\nVERSION_ID="12"')).toBe('debian');
    expect(linuxFamilyOf('ID=ubuntu\nID_LIKE=debian')).toBe('debian');
    expect(linuxFamilyOf('ID="rhel"\nID_LIKE="fedora"')).toBe('fedora');
    expect(linuxFamilyOf('ID=fedora')).toBe('fedora');
    expect(linuxFamilyOf('ID=alpine')).toBeNull();
    expect(linuxFamilyOf('')).toBeNull();
  });
});

describe('trust check', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('is trusted when a Linux bundle holds the root, not trusted when the bundles do not, unknown without bundles or on Windows', async () => {
    const dir = tempDir('switchyard-trust-');
    cleanups.push(() => dir.remove());
    const ca = await openLocalCa({ dataDir: join(dir.path, 'data') });
    const other = await openLocalCa({ dataDir: join(dir.path, 'other') });
    const bundle = join(dir.path, 'bundle.pem');
    // A real bundle's shape: labels between certificates, the root somewhere in the middle, its lines re-wrapped.
    writeFileSync(bundle, `# Other CA\n${other.rootCertificatePem}\n# Switchyard\n${ca.rootCertificatePem.replace(/\n/g, '\r\n')}`);
    const emptyBundle = join(dir.path, 'empty.pem');
    writeFileSync(emptyBundle, other.rootCertificatePem);

    const check = (bundles: string[], platform: NodeJS.Platform = 'linux') => checkTrust(ca.rootCertificatePem, ca.rootCertificatePath, { platform, bundles });
    expect(await check([join(dir.path, 'missing.pem'), bundle])).toMatchObject({ state: 'trusted', detail: expect.stringContaining(bundle) as string });
    expect(await check([emptyBundle])).toEqual({ state: 'not-trusted', detail: `Not in ${emptyBundle}.` });
    expect((await check([join(dir.path, 'missing.pem')])).state).toBe('unknown');
    expect((await check([bundle], 'win32')).state).toBe('unknown');
  });
});
