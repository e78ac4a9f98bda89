import { homedir } from 'node:os';
import { posix, resolve, win32 } from 'node:path';

/** Where this machine keeps things: the parts of the environment the default folder depends on. */
export interface DataDirPlace {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

const here = (): DataDirPlace => ({ platform: process.platform, env: process.env, home: homedir() });

/**
 * The one default data folder of both shells (the desktop app and `switchyard
 * serve`), so the CLI, a browser tab and the window find the same running core:
 * Linux and the BSDs: $XDG_DATA_HOME/switchyard (~/.local/share/switchyard), the
 * XDG base directory spec's place for user data; macOS: ~/Library/Application
 * Support/Switchyard, Apple's place for an app's data; Windows:
 * %LOCALAPPDATA%\Switchyard, local rather than roaming because the folder holds
 * the local CA's private keys, which must not follow a roaming profile to
 * other machines.
 */
export function defaultDataDir(place: DataDirPlace = here()): string {
  if (place.platform === 'darwin') return posix.join(place.home, 'Library', 'Application Support', 'Switchyard');
  if (place.platform === 'win32') {
    const local = place.env.LOCALAPPDATA && win32.isAbsolute(place.env.LOCALAPPDATA) ? place.env.LOCALAPPDATA : win32.join(place.home, 'AppData', 'Local');
    return win32.join(local, 'Switchyard');
  }
  return xdgDataDir(place);
}

// The spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
const xdgDataDir = (place: DataDirPlace): string =>
  posix.join(place.env.XDG_DATA_HOME?.startsWith('/') ? place.env.XDG_DATA_HOME : posix.join(place.home, '.local', 'share'), 'switchyard');

/** --data-dir, then SWITCHYARD_DATA_DIR, then the default folder. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.SWITCHYARD_DATA_DIR) return resolve(env.SWITCHYARD_DATA_DIR);
  return defaultDataDir({ ...here(), env });
}

/** True when the folder was chosen by nobody: only then may data be moved into it from the old defaults. */
export const isDefaultDataDir = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean =>
  !flag && !env.SWITCHYARD_DATA_DIR;

/**
 * Folders that held Switchyard's data before the shells shared one: the
 * desktop app's Electron folders (given by the app), and on macOS and Windows
 * the XDG path the CLI used there before it had a per-OS default. Data found
 * in one of them is moved on first start (data-migration.ts).
 */
export function formerDataDirs(electronFolders: readonly string[], place: DataDirPlace = here()): string[] {
  const former = [...new Set(electronFolders)];
  if (place.platform === 'darwin' || place.platform === 'win32') {
    const path = place.platform === 'win32' ? win32 : posix;
    former.push(path.join(place.home, '.local', 'share', 'switchyard'));
  }
  return former;
}
