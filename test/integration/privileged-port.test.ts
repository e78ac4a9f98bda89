import { execFile } from 'node:child_process';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPortNaming, portName } from '../../src/main/core/port-naming';
import { currentPortPrivileges, refuseUnprivilegedPort } from '../../src/main/core/privileged-ports';
import { assertBuilt, repoRoot } from '../helpers/cli';
import { tempDir } from '../helpers/core';
import { asRoot, nobody, nobodyReachesRepo, unprivilegedStart, unreachableNote } from '../helpers/unprivileged';

// An ordinary user asking for a port below net.ipv4.ip_unprivileged_port_start.
// These tests often run as root, who may bind any port; then the children
// run as nobody (65534), the ordinary user every Linux has. The port is the
// highest refused one (limit - 1: 1023 by default), less likely in use than 80.

const limit = unprivilegedStart;
const ordinaryUser = asRoot ? { uid: nobody, gid: nobody } : {};
const privileged = limit - 1;

function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { ...ordinaryUser, env: { PATH: process.env.PATH, ...env }, timeout: 20_000, cwd: '/' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.runIf(process.platform === 'linux')(`a port below ip_unprivileged_port_start (${limit} here) for an ordinary user${asRoot ? ' (nobody: the tests run as root)' : ''}`, () => {
  it.runIf(limit > 1)('is refused by the kernel (a real bind gets EACCES)', async () => {
    const bind = `require('net').createServer().listen(${privileged}, '127.0.0.1').on('error', (e) => { console.log(e.code); process.exit(0) }).on('listening', () => { console.log('bound'); process.exit(0) })`;
    expect((await runNode(['-e', bind])).stdout.trim()).toBe('EACCES');
  });

  it.runIf(limit > 1 && nobodyReachesRepo)(`makes \`switchyard serve\` say so before trying, with the one-line fix, and exit 1${unreachableNote}`, async () => {
    assertBuilt();
    const dir = tempDir('switchyard-port-');
    if (asRoot) chownSync(dir.path, nobody, nobody);
    try {
      const data = join(dir.path, 'data');
      const served = await runNode([join(repoRoot, 'bin', 'switchyard.js'), 'serve', '--data-dir', data, '--http-port', String(privileged), '--https-port', '0', '--admin-port', '0'], { HOME: dir.path });
      expect(served.code).toBe(1);
      expect(served.stderr).toBe(
        `switchyard: Not allowed to listen on port ${privileged}. Linux lets ordinary users listen only on ports from ${limit} up (net.ipv4.ip_unprivileged_port_start), so port ${privileged} is refused. ` +
          `Allow it with: sudo sysctl -w net.ipv4.ip_unprivileged_port_start=${privileged} ; keep it after a reboot with: echo 'net.ipv4.ip_unprivileged_port_start=${privileged}' | sudo tee /etc/sysctl.d/50-switchyard.conf . ` +
          `Or choose a port from ${limit} up with --http-port. Do not run Switchyard as root.\n`,
      );
    } finally {
      dir.remove();
    }
  });

  it('refuses nothing from the limit up before trying', () => {
    expect(() => refuseUnprivilegedPort(Math.max(limit, 1), portName(cliPortNaming, 'http'), { ...currentPortPrivileges(), uid: nobody, canBindAnyPort: false })).not.toThrow();
  });
});
