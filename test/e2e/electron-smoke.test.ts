import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Status } from '../../src/shared/commands';
import type { Envelope } from '../../src/shared/errors';
import type { Route } from '../../src/shared/model';
import { startBackend } from '../helpers/backends';
import { assertBuilt, repoRoot } from '../helpers/cli';
import { request, tempDir } from '../helpers/core';
import { routeItem } from './ui-harness';

// The real desktop app, launched by Playwright: the window shows the UI, a
// route added through the preload's IPC proxies a real request, and quitting
// stops the proxy. It needs the Electron binary (whose download is not
// reachable on some machines), a display, and better-sqlite3 built for
// Electron (npm start makes it); without them it is skipped with one line
// saying which is missing. test/integration/desktop-shell.test.ts covers the
// shell's wiring under Node everywhere.

function electronBinary(): { path?: string; missing?: string } {
  const pathFile = join(repoRoot, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return { missing: 'the Electron binary is not installed (its download is not reachable from here)' };
  const path = join(repoRoot, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(path)) return { missing: `the Electron binary is missing at ${path}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { missing: 'there is no display (DISPLAY is unset; run it under xvfb-run)' };
  if (!existsSync(join(repoRoot, 'build', 'electron-native', 'better_sqlite3.node'))) {
    return { missing: 'better-sqlite3 is not built for Electron (run `npm start` once)' };
  }
  return { path };
}

const binary = electronBinary();
if (binary.missing) console.log(`electron-smoke: skipped: ${binary.missing}`);

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

describe.skipIf(binary.missing !== undefined)('the desktop app (Electron)', () => {
  const dataDir = tempDir('switchyard-electron-');
  let app: ElectronApplication | undefined;
  afterAll(async () => {
    await app?.close();
    dataDir.remove();
  });

  it('shows the UI, proxies a request for a route added over IPC, and frees its ports on quit', async () => {
    assertBuilt();
    const backend = await startBackend('from-electron');
    try {
      app = await electron.launch({
        executablePath: binary.path!,
        args: [repoRoot, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
        env: { ...process.env, SWITCHYARD_DATA_DIR: dataDir.path, SWITCHYARD_HTTP_PORT: '0', SWITCHYARD_HTTPS_PORT: '0', SWITCHYARD_ADMIN_PORT: '0' },
        timeout: 30_000,
      });
      const page = await app.firstWindow();
      await page.getByRole('heading', { name: 'Routes', level: 1 }).waitFor();

      // Through the preload bridge and ipcMain, as the UI itself calls the core.
      const invoke = <T>(name: string, input: unknown) =>
        page.evaluate(([n, i]) => (window as unknown as { switchyard: { invoke(n: string, i: unknown): Promise<unknown> } }).switchyard.invoke(n, i), [name, input] as const) as Promise<
          Envelope<T>
        >;
      const created = await invoke<Route>('routes.create', { host: 'smoke.localhost', backends: [{ url: backend.url }] });
      expect(created.ok).toBe(true);
      await routeItem(page, 'smoke.localhost').waitFor();
      const status = await invoke<Status>('status', {});
      if (!status.ok) throw new Error(status.error.message);
      const ports = status.result.listeners.map((listener) => listener.port);
      const answer = await request(ports[0]!, 'smoke.localhost');
      expect(answer).toMatchObject({ status: 200, body: 'from-electron' });

      // Quit from the app itself, as the tray's Quit does: the proxy drains and its ports are free.
      const exited = new Promise<void>((resolve) => app!.process().once('exit', () => resolve()));
      await app.evaluate(({ app: electronApp }) => electronApp.quit());
      await exited;
      app = undefined;
      for (const port of ports) expect(await portIsFree(port), `port ${port}`).toBe(true);
    } finally {
      await backend.close();
    }
  }, 60_000);
});
