import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Trusting the local CA the way a Linux user does for Chromium: in the NSS
 * database under $HOME/.pki/nssdb, added with certutil (Debian's
 * libnss3-tools), so no flag has to skip verification.
 */

/** Why a test that needs certutil cannot run here, or undefined when it can. */
export const certutilMissing = (() => {
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'certutil (Debian libnss3-tools) is not installed' : undefined;
  }
})();

/** A fresh NSS database under `home` that trusts `rootCrt` for TLS servers (C): run Chromium with HOME set to `home`. */
export function trustRootForChromium(home: string, rootCrt: string): void {
  const nssDb = join(home, '.pki', 'nssdb');
  mkdirSync(nssDb, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${nssDb}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${nssDb}`, '-A', '-t', 'C,,', '-n', 'Switchyard Local CA', '-i', rootCrt]);
}
