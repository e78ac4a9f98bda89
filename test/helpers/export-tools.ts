import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { certificateName } from '../../src/main/core/export/common';
import type { Route } from '../../src/shared/model';
import { tempDir } from './core';

// The real tools that read each export: nginx -t, haproxy -c, caddy validate
// and adapt. Each gets a temp folder with the certificate files the export
// names (one self-signed pair, copied under every name), so a check fails
// only on the config itself.

const run = promisify(execFile);
/** A tool that has not answered in this long is stuck, not checking. */
const toolTimeoutMs = 30_000;

export interface ToolResult {
  ok: boolean;
  output: string;
  stdout: string;
}

async function tool(file: string, args: string[], cwd?: string): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: toolTimeoutMs, cwd, env: { ...process.env, HOME: cwd ?? process.env.HOME } });
    return { ok: true, output: `${stdout}${stderr}`, stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message, stdout: failed.stdout ?? '' };
  }
}

let pair: { cert: string; key: string } | undefined;

/** One self-signed certificate and key (openssl), made once per test file. */
async function certificatePair(dir: string): Promise<{ cert: string; key: string }> {
  if (pair) return pair;
  const cert = join(dir, 'pair.crt');
  const key = join(dir, 'pair.key');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=export.test', '-days', '2', '-keyout', key, '-out', cert]);
  const { readFileSync } = await import('node:fs');
  pair = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  return pair;
}

/** A temp folder with the certificate files an export names for these routes: NAME.crt/.key (nginx) and NAME.pem (HAProxy). */
export async function tlsFolder(routes: readonly Route[]): Promise<{ path: string; remove(): void }> {
  const dir = tempDir('switchyard-export-tls-');
  const { cert, key } = await certificatePair(dir.path);
  const names = new Set(routes.filter((r) => r.kind === 'http').map((r) => certificateName(r.host)));
  for (const name of names) {
    writeFileSync(join(dir.path, `${name}.crt`), cert);
    writeFileSync(join(dir.path, `${name}.key`), key);
    writeFileSync(join(dir.path, `${name}.pem`), `${cert}${key}`);
  }
  return dir;
}

/** The run-time paths nginx needs, inside `dir`, so it runs without root and touches nothing outside. */
export function nginxRuntime(config: string, dir: string): { file: string; args: string[] } {
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${join(dir, kind === 'client_body' ? 'body' : kind)};`).join(' ');
  // The export's one `http {` line opens its http block: the temp paths go first in it.
  const wrapped = config.replace(/^http \{$/m, `http {\n    ${temp} access_log off;`);
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, wrapped);
  const root = process.getuid?.() === 0 ? 'user root;' : '';
  return { file, args: ['-p', dir, '-e', join(dir, 'logs/error.log'), '-c', file, '-g', `pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'logs/error.log')}; daemon off; ${root}`] };
}

export async function nginxCheck(config: string): Promise<ToolResult> {
  const dir = tempDir('switchyard-export-nginx-');
  try {
    const { args } = nginxRuntime(config, dir.path);
    return await tool('nginx', ['-t', '-q', ...args]);
  } finally {
    dir.remove();
  }
}

export async function haproxyCheck(config: string): Promise<ToolResult> {
  const dir = tempDir('switchyard-export-haproxy-');
  try {
    const file = join(dir.path, 'haproxy.cfg');
    writeFileSync(file, config);
    return await tool('haproxy', ['-c', '-f', file]);
  } finally {
    dir.remove();
  }
}

/** `caddy validate` (loads every module: catches what adapt alone lets through) and `caddy adapt`. */
export async function caddyCheck(config: string): Promise<ToolResult & { json?: unknown }> {
  const dir = tempDir('switchyard-export-caddy-');
  try {
    const file = join(dir.path, 'Caddyfile');
    writeFileSync(file, config);
    const adapted = await tool('caddy', ['adapt', '--adapter', 'caddyfile', '--config', file], dir.path);
    if (!adapted.ok) return adapted;
    // adapt prints the JSON on stdout and warnings on stderr; only stdout parses.
    const json = JSON.parse(adapted.stdout) as unknown;
    const validated = await tool('caddy', ['validate', '--adapter', 'caddyfile', '--config', file], dir.path);
    return { ...validated, json };
  } finally {
    dir.remove();
  }
}

/** Every YAML document of a manifest file, parsed (comments dropped). */
export function yamlDocuments(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('\n'));
    return doc.toJS() as Record<string, unknown>;
  });
}

/** A proxy started from an export, in its own process group so stopping it kills every worker. */
export interface RunningProxy {
  output(): string;
  stop(): Promise<void>;
}

/** How long a proxy may take to accept connections on its port. */
const proxyStartMs = 10_000;

async function accepting(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `file args` detached (its own process group) and waits until `port` accepts. */
export async function runProxy(file: string, args: string[], port: number): Promise<RunningProxy> {
  const { spawn } = await import('node:child_process');
  const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async () => {
    if (!exited) process.kill(-child.pid!, 'SIGKILL');
    await exit;
  };
  const deadline = Date.now() + proxyStartMs;
  while (!(await accepting(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`${file} did not start accepting on ${port}: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { output: () => output, stop };
}
