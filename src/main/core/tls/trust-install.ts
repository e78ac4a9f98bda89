import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SwitchyardError } from '../../../shared/errors';
import type { TrustSystem } from '../../../shared/certificates';
import { DEBIAN_ANCHOR, currentSystem, shellWord, systemTrustCommand, type TrustContext } from './trust-instructions';

// "Trust the CA" as a button: the system's own command under the system's own
// password prompt (osascript's administrator privileges on macOS, pkexec's
// polkit agent on a Linux desktop, UAC on Windows), as mkcert -install does
// with sudo. Only where a prompt can appear in front of the user: elsewhere
// NOT_AVAILABLE with the command to type, never a hidden sudo.

/** A password prompt waits for the user; past this the attempt is given up (the dialog may have been left open). */
const PROMPT_TIMEOUT_MS = 5 * 60_000;

interface Elevated {
  file: string;
  args: string[];
}

const appleScriptString = (text: string) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
const powerShellString = (text: string) => `'${text.replaceAll("'", "''")}'`;

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** How to run the system's command elevated here, or why it cannot be (exported for its unit test: nothing there runs it). */
export function elevatedCommand(system: TrustSystem, rootPath: string): Elevated | string {
  switch (system) {
    case 'macos':
      return {
        file: 'osascript',
        args: ['-e', `do shell script ${appleScriptString(systemTrustCommand('macos', rootPath).replace(/^sudo /, ''))} with administrator privileges`],
      };
    case 'windows': {
      const args = ['-addstore', '-f', 'ROOT', `"${rootPath}"`].map(powerShellString).join(',');
      return {
        file: 'powershell.exe',
        args: ['-NoProfile', '-NonInteractive', '-Command', `$p = Start-Process -FilePath certutil.exe -ArgumentList ${args} -Verb RunAs -Wait -PassThru -WindowStyle Hidden; exit $p.ExitCode`],
      };
    }
    case 'debian':
    case 'fedora':
      // pkexec asks through the desktop's polkit agent: without a desktop session nobody would see the prompt.
      if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'there is no desktop session to show a password prompt in';
      if (!onPath('pkexec')) return 'pkexec (polkit) is not installed';
      return system === 'debian'
        ? { file: 'pkexec', args: ['sh', '-c', `cp "$1" ${DEBIAN_ANCHOR} && update-ca-certificates`, 'sh', rootPath] }
        : { file: 'pkexec', args: ['trust', 'anchor', '--store', rootPath] };
  }
}

/**
 * Adds the root to the system store; returns the command it ran, as the user
 * would type it. `canPrompt`: the shell shows the user the OS prompt (the
 * desktop app); a headless serve does not.
 */
export async function installSystemTrust(context: TrustContext, canPrompt: boolean): Promise<string> {
  const system = currentSystem(context.platform, context.linuxFamily);
  if (system === null) {
    throw new SwitchyardError(
      'NOT_AVAILABLE',
      `Switchyard does not know this system's trust store. Add ${shellWord(context.rootCertificatePath)} to it by hand; \`switchyard cert trust\` shows the commands for each system and client.`,
    );
  }
  const command = systemTrustCommand(system, context.rootCertificatePath);
  const elevated = canPrompt ? elevatedCommand(system, context.rootCertificatePath) : 'this Switchyard runs without a window to show the password prompt in';
  if (typeof elevated === 'string') {
    throw new SwitchyardError('NOT_AVAILABLE', `Switchyard cannot add the root to the system store itself (${elevated}). Run this in a terminal: ${command}`);
  }
  await new Promise<void>((resolve, reject) => {
    execFile(elevated.file, elevated.args, { timeout: PROMPT_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (!error) resolve();
      else {
        reject(
          new SwitchyardError(
            'PERMISSION_DENIED',
            `The system did not add the root (the password prompt was cancelled or refused${stderr.trim() ? `: ${stderr.trim()}` : ''}). Try again, or run this in a terminal: ${command}`,
          ),
        );
      }
    });
  });
  return command;
}
