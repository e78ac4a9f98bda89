import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** --data-dir, then SWITCHYARD_DATA_DIR, then the XDG data home. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.SWITCHYARD_DATA_DIR) return resolve(env.SWITCHYARD_DATA_DIR);
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(xdg, 'switchyard');
}
