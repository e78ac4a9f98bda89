import { readFileSync } from 'node:fs';
import type { LinuxFamily, TrustContext } from './trust-instructions';

// Which system this is, for the trust instructions: read once per call from
// the files every distribution has; nothing here runs a program.

const OS_RELEASE = '/etc/os-release';
const KERNEL_VERSION = '/proc/version';

const readText = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** Debian or Fedora family from os-release's ID and ID_LIKE (Ubuntu is ID_LIKE=debian, RHEL ID_LIKE="fedora", Arch has p11-kit's `trust` too). */
export function linuxFamilyOf(osRelease: string): LinuxFamily | null {
  const ids = [...osRelease.matchAll(/^(?:ID|ID_LIKE)=["']?([^"'\n]*)/gm)].flatMap((match) => (match[1] ?? '').toLowerCase().split(/\s+/));
  if (ids.some((id) => id === 'debian' || id === 'ubuntu')) return 'debian';
  if (ids.some((id) => ['fedora', 'rhel', 'centos', 'arch'].includes(id))) return 'fedora';
  return null;
}

export function detectTrustContext(rootCertificatePath: string, platform: NodeJS.Platform = process.platform): TrustContext {
  if (platform !== 'linux') return { rootCertificatePath, platform, linuxFamily: null, wsl: false };
  return {
    rootCertificatePath,
    platform,
    linuxFamily: linuxFamilyOf(readText(OS_RELEASE)),
    // WSL's kernels say so in their version string ("...-microsoft-standard-WSL2").
    wsl: /microsoft/i.test(readText(KERNEL_VERSION)),
  };
}
