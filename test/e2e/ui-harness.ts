import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { readConnection, type Connection } from '../../src/main/headless/connection-file';
import type { Route } from '../../src/shared/model';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import type { TestBackend } from '../helpers/backends';

/*
 * What the end-to-end tests share: `switchyard serve` as a real child
 * process in its own process group, its CLI, and Debian's Chromium driving
 * the built UI (out/renderer). Run `npx electron-vite build` first.
 */

export { chromiumArgs, chromiumPath };

export const root = resolve(__dirname, '../..');
const bin = join(root, 'bin', 'switchyard.js');
const execFileAsync = promisify(execFile);
const startTimeoutMs = 15_000;
const stopTimeoutMs = 10_000;
const cliTimeoutMs = 15_000;

export function assertBuilt(): void {
  if (!existsSync(join(root, 'out', 'main', 'headless.js')) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
    throw new Error('The app is not built: run `npx electron-vite build` first.');
  }
}

export async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Serve {
  child: ChildProcess;
  connection: Connection;
  output(): string;
  /** SIGTERM to its process group; resolves with how it exited (SIGKILL after 10 s, reported as 'timeout'). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'>;
}

/** `switchyard serve` on ephemeral ports, or on the given ones (a restart), once its connection file names it. */
export async function startServe(
  dataDir: string,
  ports?: { http: number; https?: number; admin: number },
  /** Node options (e.g. `--require` a fault injector) and extra environment for the child. */
  extra: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<Serve> {
  const args = [...(extra.nodeArgs ?? []), bin, 'serve', '--data-dir', dataDir, '--http-port', String(ports?.http ?? 0), '--https-port', String(ports?.https ?? 0), '--admin-port', String(ports?.admin ?? 0)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...extra.env } });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const connection = await until(
    'connection.json of the new serve',
    () => {
      if (child.exitCode !== null) throw new Error(`switchyard serve exited with ${child.exitCode}:\n${output}`);
      const written = readConnection(dataDir);
      return written?.pid === child.pid && output.includes('Press Ctrl+C') ? written : undefined;
    },
    startTimeoutMs,
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };
  return {
    child,
    connection,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) signalGroup('SIGTERM');
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), stopTimeoutMs).unref());
      const exit = await Promise.race([exited, timeout]);
      if (exit === 'timeout') signalGroup('SIGKILL');
      return exit;
    },
  };
}

/**
 * Closes Chromium and stops serve (its process group), returning what went
 * wrong for the suite's last check: a serve that does not stop cleanly on
 * SIGTERM is a defect too.
 */
export async function closeUi(browser: Browser | undefined, serve: Serve | undefined): Promise<string[]> {
  const problems: string[] = [];
  try {
    await browser?.context.close();
  } catch (error) {
    problems.push(`closing Chromium: ${(error as Error).message}`);
  }
  if (!serve) return problems;
  const exit = await serve.stop();
  if (exit === 'timeout') problems.push(`switchyard serve did not exit within 10 s of SIGTERM.\n${serve.output()}`);
  else if (exit.code !== 0) problems.push(`switchyard serve exited with ${exit.code ?? exit.signal}.\n${serve.output()}`);
  else if (!serve.output().includes('Switchyard stopped.')) problems.push(`switchyard serve did not print "Switchyard stopped.":\n${serve.output()}`);
  return problems;
}

/**
 * A suite's afterAll: closeUi, then its backends and temporary directories,
 * and the suite fails on anything closeUi found.
 */
export async function endUi(
  browser: Browser | undefined,
  serve: Serve | undefined,
  { backends = [], dirs = [] }: { backends?: (TestBackend | undefined)[]; dirs?: { remove(): void }[] },
): Promise<void> {
  const problems = await closeUi(browser, serve);
  for (const backend of backends) await backend?.close();
  for (const dir of dirs) dir.remove();
  expect(problems).toEqual([]);
}

/** The real CLI against a data dir. */
export function cliFor(dataDir: string) {
  const cli = async (...args: string[]) => {
    const { stdout } = await execFileAsync(process.execPath, [bin, ...args, '--data-dir', dataDir], { cwd: root, timeout: cliTimeoutMs });
    return stdout;
  };
  const listRoutes = async () => JSON.parse(await cli('route', 'list', '--json')) as Route[];
  return { cli, listRoutes };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Resolves once the page's event WebSocket has completed a handshake (101) after this call. */
  nextEventsHandshake(): Promise<void>;
  /**
   * What went wrong loading the UI itself: failed responses (4xx/5xx) for
   * anything but commands (refused input answers 400 on purpose) and console
   * errors other than the browser's own notes on those and on a dropped
   * event socket.
   */
  problems: string[];
}

export async function launchBrowser(
  profileDir: string,
  viewport = { width: 1280, height: 800 },
  /** Extra Chromium flags, and its environment (a HOME whose NSS database trusts the local CA). */
  extra: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<Browser> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumArgs, ...(extra.args ?? [])],
    ...(extra.env ? { env: extra.env } : {}),
    viewport,
    deviceScaleFactor: 1,
    colorScheme: 'light',
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !text.startsWith('Failed to load resource') && !text.startsWith('WebSocket connection to')) problems.push(`console: ${text}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/api/')) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  // The UI takes live updates only from its event socket; know when it is up
  // so that changes made by a test cannot race its handshake.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const waiting = new Set<() => void>();
  cdp.on('Network.webSocketHandshakeResponseReceived', (event) => {
    if (event.response.status !== 101) return;
    for (const done of waiting) done();
    waiting.clear();
  });
  const nextEventsHandshake = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The page did not open its event WebSocket within 15 s.')), startTimeoutMs).unref();
      waiting.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  return { context, page, nextEventsHandshake, problems };
}

/**
 * Opens the UI with serve's token and waits for `ready` (by default the
 * status line naming the proxy's port), and for the page's event socket, so
 * that a change the test makes next cannot race its handshake.
 */
export async function openUi(browser: Browser, serve: Serve, ready?: (page: Page) => Promise<unknown>): Promise<void> {
  const { page } = browser;
  const handshake = browser.nextEventsHandshake();
  await page.goto(`${serve.connection.adminUrl}/#token=${serve.connection.token}`);
  await (ready ? ready(page) : page.getByText(`Proxy listening on port ${serve.connection.httpPort}`).waitFor());
  await handshake;
}

/** The route's entry in the list (its accessible name starts with the route's label). */
export function routeItem(page: Page, label: string) {
  return page.getByRole('list', { name: 'Routes', exact: true }).getByRole('button', { name: new RegExp(`^${label.replace(/[.*]/g, '\\$&')}:`) });
}

/** The detail pane of the selected route. */
export function routePane(page: Page, label: string) {
  return page.getByRole('region', { name: `Route ${label}`, exact: true });
}
