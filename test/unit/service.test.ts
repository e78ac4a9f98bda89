import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchdPlist, systemdUnit } from '../../src/main/headless/service/service-files';
import { installService, serviceStatus, uninstallService, type RunResult, type ServiceEnvironment } from '../../src/main/headless/service/service';
import { serveCommand } from '../../src/main/headless/service-cli';
import { serveV8Flags } from '../../src/main/headless/serve-v8-flags';
import { serveNodeFlags } from '../../scripts/serve-flags.mjs';
import { repoRoot } from '../helpers/cli';
import { tempDir } from '../helpers/core';

const bin = join(repoRoot, 'bin', 'switchyard.js');
const command = { execPath: process.execPath, args: [bin, 'serve', '--data-dir', '/home/ann/My Data/100% "switchyard"'] };

describe('service files', () => {
  it('writes a systemd user unit that runs serve with the data dir, quoted and %-escaped', () => {
    const unit = systemdUnit(command);
    expect(unit).toContain(`ExecStart="${process.execPath}" "${bin}" "serve" "--data-dir" "/home/ann/My Data/100%% \\"switchyard\\""\n`);
    expect(unit).toContain('Restart=on-failure\n');
    expect(unit).toContain('[Install]\nWantedBy=default.target\n');
  });

  it("runs serve with the V8 flags the bin's shebang gives it: node ignores a shebang it is handed as a script", () => {
    const unit = systemdUnit(serveCommand('/home/ann/data'));
    // (The script's folder is the build's, out/main/../../bin; from the sources vitest runs it is another.)
    const flags = serveV8Flags.map((flag) => `"${flag}"`).join(' ');
    expect(unit).toMatch(new RegExp(`\\nExecStart="${process.execPath}" ${flags} "[^"]*/bin/switchyard\\.js" "serve" "--data-dir" "/home/ann/data"\\n`));
    // The flags are the shebang's, so the service, npm start, the benches and `switchyard serve` run alike.
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${serveV8Flags.join(' ')}`);
    expect(serveNodeFlags()).toEqual(serveV8Flags);
  });

  it.runIf(spawnSync('systemd-analyze', ['--version']).status === 0)('is a unit systemd-analyze verify accepts (system mode: there is no user manager in a test)', () => {
    const dir = tempDir('switchyard-unit-');
    try {
      const file = join(dir.path, 'switchyard.service');
      writeFileSync(file, systemdUnit({ execPath: process.execPath, args: [bin, 'serve', '--data-dir', join(dir.path, 'data')] }));
      const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(verify.stderr.split('\n').filter((line) => line.includes('switchyard.service'))).toEqual([]);
      expect(verify.status).toBe(0);
      // A unit whose ExecStart names a missing program is refused: the check is real.
      writeFileSync(file, systemdUnit({ execPath: '/nonexistent/node', args: ['serve'] }));
      expect(spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' }).status).not.toBe(0);
    } finally {
      dir.remove();
    }
  });

  it('writes a launchd agent with each argument as a string, XML-escaped', () => {
    const plist = launchdPlist({ execPath: '/usr/local/bin/node', args: ['/opt/s/bin/switchyard.js', 'serve', '--data-dir', '/Users/ann/a&b <c>'] }, '/Users/ann/Library/Logs/switchyard.log');
    expect(plist).toContain('<key>Label</key><string>dev.switchyard.serve</string>');
    expect(plist).toContain('    <string>/usr/local/bin/node</string>\n    <string>/opt/s/bin/switchyard.js</string>\n    <string>serve</string>\n    <string>--data-dir</string>\n    <string>/Users/ann/a&amp;b &lt;c&gt;</string>\n');
    expect(plist).toContain('<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>');
    if (spawnSync('xmllint', ['--version']).status === 0) execFileSync('xmllint', ['--noout', '-'], { input: plist });
  });
});

describe('service install, uninstall and status (a recording runner: the real user systemd and launchd are not touched)', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => dir.remove()));

  function environment(over: Partial<ServiceEnvironment>, answers: Record<string, Partial<RunResult>> = {}) {
    const dir = tempDir('switchyard-home-');
    dirs.push(dir);
    const calls: string[] = [];
    const env: ServiceEnvironment = {
      platform: 'linux',
      home: dir.path,
      uid: 501,
      systemdBooted: true,
      wsl: false,
      run: (program, args) => {
        const line = [program, ...args].join(' ');
        calls.push(line);
        return Promise.resolve({ code: 0, stdout: '', stderr: '', ...answers[line] });
      },
      ...over,
    };
    return { env, calls, home: dir.path };
  }

  it('on Linux writes the unit, reloads systemd and enables it now; uninstall undoes it in order', async () => {
    const { env, calls, home } = environment({}, { 'systemctl --user is-active switchyard.service': { stdout: 'active\n' }, 'systemctl --user is-enabled switchyard.service': { stdout: 'enabled\n' } });
    const unit = join(home, '.config/systemd/user/switchyard.service');
    expect(await installService(env, command)).toContain(`Installed ${unit} and started it`);
    expect(readFileSync(unit, 'utf8')).toBe(systemdUnit(command));
    expect(await serviceStatus(env)).toBe(`Installed: ${unit}\nactive, enabled at login. Logs: journalctl --user -u switchyard.service`);
    expect(await uninstallService(env)).toBe(`Stopped and removed ${unit}.`);
    expect(existsSync(unit)).toBe(false);
    expect(calls).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable --now switchyard.service',
      'systemctl --user is-active switchyard.service',
      'systemctl --user is-enabled switchyard.service',
      'systemctl --user disable --now switchyard.service',
      'systemctl --user daemon-reload',
    ]);
  });

  it('says what systemctl said when it fails', async () => {
    const { env } = environment({}, { 'systemctl --user daemon-reload': { code: 1, stderr: 'Failed to connect to bus: No medium found' } });
    await expect(installService(env, command)).rejects.toThrow('`systemctl --user daemon-reload` failed (exit 1): Failed to connect to bus: No medium found.');
  });

  it('on macOS writes the agent and bootstraps it in the user domain', async () => {
    const { env, calls, home } = environment({ platform: 'darwin', systemdBooted: false });
    const plist = join(home, 'Library/LaunchAgents/dev.switchyard.serve.plist');
    await installService(env, command);
    expect(readFileSync(plist, 'utf8')).toBe(launchdPlist(command, join(home, 'Library/Logs/switchyard.log')));
    await uninstallService(env);
    expect(calls).toEqual(['launchctl bootout gui/501/dev.switchyard.serve', `launchctl bootstrap gui/501 ${plist}`, 'launchctl bootout gui/501/dev.switchyard.serve']);
  });

  it('on WSL without systemd names the wsl.conf lines to add, and runs nothing', async () => {
    const { env, calls } = environment({ systemdBooted: false, wsl: true });
    await expect(installService(env, command)).rejects.toThrow('add these two lines to /etc/wsl.conf\n  [boot]\n  systemd=true\nthen run `wsl --shutdown`');
    expect(calls).toEqual([]);
  });

  it('elsewhere says what to use instead', async () => {
    await expect(serviceStatus(environment({ platform: 'win32', systemdBooted: false }).env)).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
    await expect(serviceStatus(environment({ systemdBooted: false }).env)).rejects.toThrow('This system does not run systemd');
  });
});
