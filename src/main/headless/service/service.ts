import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SwitchyardError } from '../../../shared/errors';
import { launchdLabel, launchdPlist, systemdUnit, systemdUnitName, type ServiceCommand } from './service-files';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (never a shell); tests record the calls instead of touching the real user's systemd or launchd. */
export type Runner = (command: string, args: readonly string[]) => Promise<RunResult>;

export interface ServiceEnvironment {
  platform: NodeJS.Platform;
  home: string;
  uid: number;
  /** systemd is the init system (/run/systemd/system exists, sd_booted(3)'s test). */
  systemdBooted: boolean;
  /** Running under WSL, where systemd is off unless wsl.conf turns it on. */
  wsl: boolean;
  run: Runner;
}

export function currentServiceEnvironment(run: Runner): ServiceEnvironment {
  let wsl = false;
  try {
    wsl = /microsoft/i.test(readFileSync('/proc/sys/kernel/osrelease', 'utf8'));
  } catch {
    // Not Linux.
  }
  return { platform: process.platform, home: homedir(), uid: process.getuid?.() ?? 0, systemdBooted: existsSync('/run/systemd/system'), wsl, run };
}

const unitPath = (env: ServiceEnvironment) => join(env.home, '.config', 'systemd', 'user', systemdUnitName);
const plistPath = (env: ServiceEnvironment) => join(env.home, 'Library', 'LaunchAgents', `${launchdLabel}.plist`);
const launchdLog = (env: ServiceEnvironment) => join(env.home, 'Library', 'Logs', 'switchyard.log');

type Manager = 'systemd' | 'launchd';

function managerOf(env: ServiceEnvironment): Manager {
  if (env.platform === 'darwin') return 'launchd';
  if (env.platform === 'linux' && env.systemdBooted) return 'systemd';
  if (env.platform === 'linux' && env.wsl) {
    throw new SwitchyardError(
      'NOT_AVAILABLE',
      'This WSL distribution runs without systemd, so there is no user service to install. Turn systemd on: add these two lines to /etc/wsl.conf\n  [boot]\n  systemd=true\nthen run `wsl --shutdown` in Windows and open the distribution again. Until then, run `switchyard serve` yourself.',
    );
  }
  if (env.platform === 'linux') {
    throw new SwitchyardError('NOT_AVAILABLE', 'This system does not run systemd, so `switchyard service` cannot install a user service. Start `switchyard serve` from your init system or session instead.');
  }
  throw new SwitchyardError('NOT_AVAILABLE', `\`switchyard service\` installs a systemd user unit (Linux, WSL) or a launchd agent (macOS); on ${env.platform} use the desktop app's "start at login", or run \`switchyard serve\` from a scheduled task.`);
}

async function must(env: ServiceEnvironment, command: string, args: readonly string[]): Promise<RunResult> {
  const result = await env.run(command, args);
  if (result.code !== 0) {
    throw new SwitchyardError('NOT_AVAILABLE', `\`${[command, ...args].join(' ')}\` failed (exit ${result.code}): ${(result.stderr || result.stdout).trim() || 'no output'}.`);
  }
  return result;
}

export async function installService(env: ServiceEnvironment, command: ServiceCommand): Promise<string> {
  if (managerOf(env) === 'systemd') {
    const path = unitPath(env);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, systemdUnit(command));
    await must(env, 'systemctl', ['--user', 'daemon-reload']);
    await must(env, 'systemctl', ['--user', 'enable', '--now', systemdUnitName]);
    // A user unit stops at logout unless lingering is on: an always-on proxy on a server or WSL wants it on.
    return `Installed ${path} and started it; it starts again at login. To keep it running after you log out: loginctl enable-linger. Logs: journalctl --user -u ${systemdUnitName}`;
  }
  const path = plistPath(env);
  mkdirSync(dirname(path), { recursive: true });
  mkdirSync(dirname(launchdLog(env)), { recursive: true });
  // An agent already loaded (a reinstall) must be booted out first, or bootstrap fails with "service already loaded".
  await env.run('launchctl', ['bootout', `gui/${env.uid}/${launchdLabel}`]);
  writeFileSync(path, launchdPlist(command, launchdLog(env)));
  await must(env, 'launchctl', ['bootstrap', `gui/${env.uid}`, path]);
  return `Installed ${path} and started it; it starts again at login. Logs: ${launchdLog(env)}`;
}

export async function uninstallService(env: ServiceEnvironment): Promise<string> {
  if (managerOf(env) === 'systemd') {
    const path = unitPath(env);
    if (!existsSync(path)) return `No Switchyard service is installed (${path} does not exist).`;
    await must(env, 'systemctl', ['--user', 'disable', '--now', systemdUnitName]);
    rmSync(path);
    await must(env, 'systemctl', ['--user', 'daemon-reload']);
    return `Stopped and removed ${path}.`;
  }
  const path = plistPath(env);
  if (!existsSync(path)) return `No Switchyard service is installed (${path} does not exist).`;
  await env.run('launchctl', ['bootout', `gui/${env.uid}/${launchdLabel}`]);
  rmSync(path);
  return `Stopped and removed ${path}.`;
}

export async function serviceStatus(env: ServiceEnvironment): Promise<string> {
  if (managerOf(env) === 'systemd') {
    const path = unitPath(env);
    if (!existsSync(path)) return 'Not installed. Install it with `switchyard service install`.';
    const active = (await env.run('systemctl', ['--user', 'is-active', systemdUnitName])).stdout.trim();
    const enabled = (await env.run('systemctl', ['--user', 'is-enabled', systemdUnitName])).stdout.trim();
    return `Installed: ${path}\n${active || 'unknown'}, ${enabled || 'unknown'} at login. Logs: journalctl --user -u ${systemdUnitName}`;
  }
  const path = plistPath(env);
  if (!existsSync(path)) return 'Not installed. Install it with `switchyard service install`.';
  const loaded = await env.run('launchctl', ['print', `gui/${env.uid}/${launchdLabel}`]);
  const state = /^\s*state = (.+)$/m.exec(loaded.stdout)?.[1];
  return `Installed: ${path}\n${loaded.code === 0 ? (state ?? 'loaded') : 'not loaded'}. Logs: ${launchdLog(env)}`;
}
