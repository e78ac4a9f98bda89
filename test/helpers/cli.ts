import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readConnection, type Connection } from '../../src/main/headless/connection-file';

export const repoRoot = join(__dirname, '..', '..');
const bin = join(repoRoot, 'bin', 'switchyard.js');

export function assertBuilt(): void {
  if (!existsSync(join(repoRoot, 'out', 'main', 'headless.js'))) {
    throw new Error('The app is not built: run `npm run build` (npm test does it) before this test.');
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (the package's bin) in a child process. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr: error && code === 1 && !stderr ? `${error.name}: ${error.message}` : stderr });
    });
  });
}

export interface ServeProcess {
  child: ChildProcess;
  connection: Connection;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `switchyard serve` on ephemeral ports and waits until it has written its connection file. */
export async function startServe(
  dataDir: string,
  extraArgs: string[] = [],
  /** Node options (e.g. `--require` a fault injector) and extra environment for the child. */
  options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<ServeProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, 'serve', '--data-dir', dataDir, '--http-port', '0', '--https-port', '0', '--admin-port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const connection = readConnection(dataDir);
    if (connection && connection.pid === child.pid && output.includes('Press Ctrl+C')) {
      return {
        child,
        connection,
        output: () => output,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
