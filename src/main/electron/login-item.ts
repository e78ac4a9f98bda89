import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';

// "Start at login", off until the user ticks it. macOS and Windows have
// Electron's app.setLoginItemSettings; on Linux Electron has nothing, and
// desktops start what the XDG Autostart spec's folder lists, so the app writes
// its own entry there ($XDG_CONFIG_HOME/autostart/switchyard.desktop).

export interface LoginItemHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  /** The program to start: the AppImage itself when run from one (its own mount path changes every run). */
  execPath: string;
  app: {
    getLoginItemSettings(): { openAtLogin: boolean };
    setLoginItemSettings(settings: { openAtLogin: boolean }): void;
  };
}

export const autostartFile = (host: Pick<LoginItemHost, 'env' | 'home'>): string =>
  posix.join(host.env.XDG_CONFIG_HOME?.startsWith('/') ? host.env.XDG_CONFIG_HOME : posix.join(host.home, '.config'), 'autostart', 'switchyard.desktop');

/**
 * Desktop Entry spec, "The Exec key": an argument is double-quoted, with `"`,
 * `` ` ``, `$` and `\` escaped by a backslash inside the quotes, and a literal
 * `%` doubled, since a single one starts a field code.
 */
export const execArgument = (path: string): string => `"${path.replace(/["`$\\]/g, (c) => `\\${c}`).replaceAll('%', '%%')}"`;

export function autostartEntry(execPath: string): string {
  return ['[Desktop Entry]', 'Type=Application', 'Name=Switchyard', 'Comment=Local reverse proxies and load balancers', `Exec=${execArgument(execPath)}`, 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

const program = (host: LoginItemHost) => host.env.APPIMAGE ?? host.execPath;

export function isStartAtLogin(host: LoginItemHost): boolean {
  if (host.platform !== 'linux') return host.app.getLoginItemSettings().openAtLogin;
  try {
    return readFileSync(autostartFile(host), 'utf8').includes(`Exec=${execArgument(program(host))}`);
  } catch {
    return false;
  }
}

export function setStartAtLogin(host: LoginItemHost, enabled: boolean): void {
  if (host.platform !== 'linux') {
    host.app.setLoginItemSettings({ openAtLogin: enabled });
    return;
  }
  const file = autostartFile(host);
  if (!enabled) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(posix.dirname(file), { recursive: true });
  writeFileSync(file, autostartEntry(program(host)));
}
