import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { CaTrust } from '../../../shared/certificates';

// Does this system trust the root? Answered only where it is cheap and
// certain: on Linux the root's certificate is in the bundle every OpenSSL or
// GnuTLS client reads; on macOS `security verify-cert` evaluates it against
// the keychains. Elsewhere, and on any doubt, 'unknown' rather than a guess.

/**
 * Each distribution's system bundle: Debian/Ubuntu (update-ca-certificates),
 * Fedora/RHEL (p11-kit's `trust extract`, both paths), openSUSE, Arch and
 * Alpine. Go's crypto/x509 (root_linux.go) reads the same list.
 */
export const LINUX_TRUST_BUNDLES: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/var/lib/ca-certificates/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/** `security verify-cert` answers in well under a second; past this the answer is 'unknown', not a stalled command. */
const MACOS_CHECK_TIMEOUT_MS = 3_000;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g;

export interface TrustCheckOptions {
  platform?: NodeJS.Platform;
  /** Linux bundles to look in (tests pass their own). */
  bundles?: readonly string[];
}

export async function checkTrust(rootPem: string, rootPath: string, { platform = process.platform, bundles = LINUX_TRUST_BUNDLES }: TrustCheckOptions = {}): Promise<CaTrust> {
  if (platform === 'darwin') return checkKeychains(rootPath);
  if (platform !== 'linux') return { state: 'unknown', detail: 'Switchyard does not check the Windows certificate store; `certutil -store ROOT` lists it.' };
  const root = base64Body(rootPem);
  const read: string[] = [];
  for (const bundle of bundles) {
    const text = await readFile(bundle, 'latin1').catch(() => undefined);
    if (text === undefined) continue;
    if ([...text.matchAll(PEM_CERTIFICATE)].some((match) => base64Body(match[1] ?? '') === root)) {
      return {
        state: 'trusted',
        detail: `Found in ${bundle}, which curl, OpenSSL, Python and Go read; Firefox and Chrome on Linux keep stores of their own (see the notes).`,
      };
    }
    read.push(bundle);
  }
  if (read.length === 0) return { state: 'unknown', detail: `No system certificate bundle found (looked for ${bundles.join(', ')}).` };
  return { state: 'not-trusted', detail: `Not in ${read.join(' or ')}.` };
}

const base64Body = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

function checkKeychains(rootPath: string): Promise<CaTrust> {
  return new Promise((resolve) => {
    execFile('security', ['verify-cert', '-c', rootPath], { timeout: MACOS_CHECK_TIMEOUT_MS }, (error) => {
      if (!error) resolve({ state: 'trusted', detail: 'macOS trusts it (`security verify-cert` succeeded).' });
      else if (typeof error.code === 'number') resolve({ state: 'not-trusted', detail: 'macOS does not trust it yet (`security verify-cert` failed).' });
      else resolve({ state: 'unknown', detail: `\`security verify-cert\` could not run: ${error.message}` });
    });
  });
}
