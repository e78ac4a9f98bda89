import { spawnSync } from 'node:child_process';
import { chownSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { loopbackAddresses } from '../../src/main/core/core';
import { repoRoot } from './cli';

// What the standard-ports suites need to run `switchyard serve` as an
// ordinary user: these tests run as root here, who may bind any port, so
// the refusal of 80 and 443 is seen as nobody, the ordinary user every
// Linux has.

/** nobody's uid and gid. */
export const nobody = 65534;
export const asRoot = process.getuid?.() === 0;
/**
 * Whether nobody can read this checkout's bin/switchyard.js, so serve can run
 * as nobody from it: not in a clone made by `mktemp -d` (a 0700 folder only
 * root may enter), where the suites that need it skip rather than fail on
 * where the clone was made.
 */
export const nobodyReachesRepo =
  !asRoot ||
  spawnSync(process.execPath, ['-e', 'require("fs").accessSync(process.argv[1], require("fs").constants.R_OK)', join(repoRoot, 'bin', 'switchyard.js')], {
    uid: nobody,
    gid: nobody,
    cwd: '/',
  }).status === 0;
/** Where these suites say why they skipped. */
export const unreachableNote = nobodyReachesRepo ? '' : ' (skipped: nobody cannot read this checkout, e.g. a clone in a 0700 mktemp folder)';

/** Linux's lowest port an ordinary user may bind (net.ipv4.ip_unprivileged_port_start); 0 elsewhere. */
export const unprivilegedStart =
  process.platform === 'linux' ? Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()) : 0;

/** Whether every loopback address has the port free for this process (binding it for a moment). */
export async function portFree(port: number): Promise<boolean> {
  for (const address of loopbackAddresses) {
    const ok = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT'));
      server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}

/** Gives a folder and everything in it to `id` (a data folder serve will run in as that user). */
export function chownTree(path: string, id: number): void {
  chownSync(path, id, id);
  if (!statSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), id);
}
