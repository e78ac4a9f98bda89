import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { serveV8Flags } from './serve-v8-flags';
import { installService, serviceStatus, uninstallService, currentServiceEnvironment, type Runner } from './service/service';
import type { ServiceCommand } from './service/service-files';

export const serviceUsage = `  service install|uninstall|status         keep \`switchyard serve\` running for this user: a systemd user unit
                                           (Linux, WSL) or a launchd agent (macOS), with this data dir`;

/** Runs a program directly (no shell), answering with its exit code and output. */
const runProgram: Runner = (command, args) =>
  new Promise((resolve) => {
    execFile(command, [...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ code, stdout, stderr: error && code === 127 ? `${command}: ${error.message}` : stderr });
    });
  });

/** What the service runs: this Node, with serve's V8 flags (node does not read the bin's shebang), this CLI's serve and the data dir. */
export function serveCommand(dataDir: string): ServiceCommand {
  // out/main/headless.js is two folders below the package root, where bin/switchyard.js is.
  return { execPath: process.execPath, args: [...serveV8Flags, join(__dirname, '..', '..', 'bin', 'switchyard.js'), 'serve', '--data-dir', dataDir] };
}

/** `switchyard service install|uninstall|status`: the service runs this very CLI with the resolved data dir. */
export async function serviceCommand(action: string | undefined, rest: readonly string[], dataDir: string, out: (text: string) => void, usage: (shape: string) => Error, run: Runner = runProgram): Promise<number> {
  if ((action !== 'install' && action !== 'uninstall' && action !== 'status') || rest.length) throw usage('service install|uninstall|status');
  const env = currentServiceEnvironment(run);
  if (action === 'install') {
    out(await installService(env, serveCommand(dataDir)));
  } else if (action === 'uninstall') out(await uninstallService(env));
  else out(await serviceStatus(env));
  return 0;
}
