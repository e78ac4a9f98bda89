import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipcChannel } from '../../src/shared/api';
import { commandNames } from '../../src/shared/commands';
import type { Envelope } from '../../src/shared/errors';
import type { Route } from '../../src/shared/model';
import { startDesktopShell, type DesktopShell } from '../../src/main/electron/desktop-shell';
import { movedNoteName } from '../../src/main/headless/data-migration';
import { startBackend, type TestBackend } from '../helpers/backends';
import { assertBuilt, cli, repoRoot, startServe } from '../helpers/cli';
import { must, request, startCore, tempDir } from '../helpers/core';
import { createElectronStandIn, type ElectronStandIn } from '../helpers/electron-stand-in';

// The desktop shell's wiring (src/main/electron/desktop-shell.ts), run under
// Node against a RECORDED STAND-IN for the `electron` module: the core, the
// admin API, the data folder, the proxy's sockets and the CLI are all real;
// only Electron's objects are the stand-in's. This is not a run of the app.

const waitFor = async <T>(what: string, read: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Ephemeral ports, the data folder chosen through XDG_DATA_HOME so the shell sees it as the default (and migrates into it). */
function shellEnv(xdgDataHome: string): NodeJS.ProcessEnv {
  return { XDG_DATA_HOME: xdgDataHome, SWITCHYARD_HTTP_PORT: '0', SWITCHYARD_HTTPS_PORT: '0', SWITCHYARD_ADMIN_PORT: '0' };
}

describe('the desktop shell, wired to a recorded stand-in for electron', () => {
  const root = tempDir('switchyard-desktop-');
  const userData = join(root.path, 'electron-user-data');
  const home = join(root.path, 'home');
  const dataDir = join(root.path, 'xdg', 'switchyard');
  /** The page the window loaded: the built renderer beside the shell. */
  const appPage = `file://${join(repoRoot, 'out', 'renderer', 'index.html')}`;
  let standIn: ElectronStandIn;
  let shell: DesktopShell;
  let backends: TestBackend[] = [];
  const logged: string[] = [];

  /** The stand-in's record of the window the shell holds now. */
  const window = () => {
    const shown = standIn.record.windows.at(-1)!;
    expect(shell.window()).toBe(shown);
    return shown;
  };
  const trusted = <T>(name: (typeof commandNames)[number], input: unknown) =>
    standIn.invoke(ipcChannel.command(name), window().webContents, window().url, input) as Promise<Envelope<T>>;
  const proxyPort = () => shell.running()!.core.engine.listeners()[0]!.port;
  const routes = async () => must(trusted<Route[]>('routes.list', {}));

  beforeAll(async () => {
    assertBuilt();
    // What the app kept in Electron's folder before the app and the CLI shared one.
    const former = await startCore(userData);
    await must(former.run('routes.create', { host: 'legacy.localhost', backends: [{ url: 'http://127.0.0.1:1' }], settings: { healthCheck: 'off' } }));
    await former.stop();

    backends = [await startBackend('one'), await startBackend('two')];
    standIn = createElectronStandIn({ userData });
    shell = startDesktopShell(standIn.electron, {
      mainDir: join(repoRoot, 'out', 'main'),
      env: { ...shellEnv(join(root.path, 'xdg')), ELECTRON_RENDERER_URL: undefined },
      nativeBinding: undefined,
      log: (line) => logged.push(line),
      loginItem: { platform: 'linux', env: {}, home, execPath: '/opt/Switchyard/switchyard' },
    });
    await shell.ready;
  });

  afterAll(async () => {
    if (shell.running()) standIn.app.quit();
    await waitFor('the app to quit', () => standIn.record.quit);
    await Promise.all(backends.map((backend) => backend.close()));
    root.remove();
  });

  it('starts the core in the shared data folder, moving the data from Electron’s folder and saying so', async () => {
    expect(standIn.record.errorBoxes).toEqual([]);
    expect(shell.running()!.core.engine.listeners().length).toBeGreaterThan(0);
    expect(existsSync(join(dataDir, 'switchyard.db'))).toBe(true);
    expect((await routes()).map((route) => route.host)).toEqual(['legacy.localhost']);
    expect(readFileSync(join(userData, movedNoteName), 'utf8')).toContain(dataDir);
    expect(standIn.record.notifications).toContainEqual(expect.objectContaining({ title: 'Switchyard moved its data' }));
    // The window shows the renderer's page, through the preload built beside the main process.
    expect(window().options).toMatchObject({ show: false, webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false } });
    expect((window().options.webPreferences as { preload: string }).preload).toBe(join(repoRoot, 'out', 'preload', 'index.js'));
    expect(window().url).toBe(appPage);
  });

  it('reaches every contract command over IPC from the window, and the core validates the input', async () => {
    for (const name of commandNames) {
      expect(standIn.record.ipcHandlers.has(ipcChannel.command(name)), name).toBe(true);
      // Text is no command's input: the answer proves the call reached the core's validation, with nothing run.
      const answer = await trusted(name, 'not an input');
      expect(answer, name).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(standIn.record.ipcHandlers.size).toBe(commandNames.length);
    expect(await trusted('status', {})).toMatchObject({ ok: true, result: { dataDir } });
  });

  it('refuses a call from another window, a frame showing another page, or a frame that is gone', async () => {
    const create = { host: 'evil.localhost', backends: [{ url: 'http://127.0.0.1:9' }] };
    const forbidden = { ok: false, error: { code: 'FORBIDDEN' } };
    const channel = ipcChannel.command('routes.create');
    expect(await standIn.invoke(channel, standIn.newWebContents(appPage), appPage, create)).toMatchObject(forbidden);
    expect(await standIn.invoke(channel, window().webContents, 'https://evil.example/', create)).toMatchObject(forbidden);
    expect(await standIn.invoke(channel, window().webContents, null, create)).toMatchObject(forbidden);
    expect((await routes()).map((route) => route.host)).not.toContain('evil.localhost');
  });

  it('holds the window to its own page: no navigation away, no new windows, no webviews, no web permissions', () => {
    const contents = window().webContents;
    expect(contents.fire('will-navigate', 'https://evil.example/').defaultPrevented).toBe(true);
    expect(contents.fire('will-navigate', 'file:///etc/passwd').defaultPrevented).toBe(true);
    expect(contents.fire('will-navigate', `${appPage}#routes`).defaultPrevented).toBe(false);
    expect(contents.fire('will-attach-webview').defaultPrevented).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'http://demo.localhost:7800/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(standIn.record.openedExternally).toEqual(['http://demo.localhost:7800/']);
    // Any web contents created later (a devtools or a stray one) gets the navigation rule too.
    const other = standIn.newWebContents('about:blank');
    standIn.app.emit('web-contents-created', {}, other);
    expect(other.fire('will-navigate', 'https://evil.example/').defaultPrevented).toBe(true);
    let granted: boolean | undefined;
    standIn.record.permissionRequestHandler!(contents, 'media', (answer) => (granted = answer));
    expect(granted).toBe(false);
    expect(standIn.record.permissionCheckHandler!(contents, 'notifications')).toBe(false);
    expect(standIn.record.devicePermissionHandler!({})).toBe(false);
  });

  it('proxies a real request for a route added over IPC, and pushes its events to the window', async () => {
    const created = await trusted<Route>('routes.create', { host: 'shop.localhost', backends: backends.map((backend) => ({ url: backend.url })) });
    expect(created.ok).toBe(true);
    const answer = await request(proxyPort(), 'shop.localhost');
    expect(answer.status).toBe(200);
    expect(['one', 'two']).toContain(answer.body);
    expect(window().webContents.sent.some((sent) => sent.channel === ipcChannel.events)).toBe(true);
  });

  it('builds the tray menu from the routes and their backends, and its toggles switch backends in the core', async () => {
    const tray = standIn.lastTray()!;
    const menu = await waitFor('the tray menu to list shop.localhost', () => {
      const current = tray.menu;
      return current && JSON.stringify(current.labels()).includes('shop.localhost') ? current : undefined;
    });
    const shop = (await routes()).find((route) => route.host === 'shop.localhost')!;
    const first = shop.backends[0]!;
    const item = menu.find(new RegExp(`^${first.url.replaceAll('.', '\\.')} `));
    expect(item).toMatchObject({ type: 'checkbox', checked: true });
    item.press();
    await waitFor('the backend to be switched off', async () => !(await routes()).find((route) => route.id === shop.id)!.backends[0]!.enabled);
    // The menu follows: the same backend, unticked.
    await waitFor('the menu to show it off', () => tray.menu!.find(new RegExp(`^${first.url.replaceAll('.', '\\.')} `)).checked === false);
    // Requests now go only to the other backend.
    expect((await request(proxyPort(), 'shop.localhost')).body).toBe(backends[1]!.name);
  });

  it('shows the worst state across routes as the tray icon', async () => {
    const tray = standIn.lastTray()!;
    // legacy.localhost's only backend is on, with checks off: up. Switching every shop backend off leaves it receiving nothing: down.
    const shop = (await routes()).find((route) => route.host === 'shop.localhost')!;
    await waitFor('an up icon', () => tray.image.endsWith('tray-up.png'));
    tray.menu!.find('shop.localhost: up').submenu!.find((entry) => entry.label === 'Switch every backend off')!.click!({ checked: false });
    await waitFor('every shop backend off', async () => (await routes()).find((route) => route.id === shop.id)!.backends.every((backend) => !backend.enabled));
    await waitFor('a down icon', () => tray.image.endsWith('tray-down.png'));
    expect(tray.tooltip).toBe('Switchyard: 1 route down');
    const down = await waitFor('the menu to show shop down', () =>
      JSON.stringify(tray.menu!.labels()).includes('shop.localhost: down') ? tray.menu!.find('shop.localhost: down') : undefined,
    );
    down.submenu!.find((entry) => entry.label === 'Switch every backend on')!.click!({ checked: false });
    await waitFor('an up icon again', () => tray.image.endsWith('tray-up.png'));
    expect(existsSync(tray.image)).toBe(true);
  });

  it('"Start at login" is off until ticked, and ticking writes (and unticking removes) the XDG autostart entry', async () => {
    const tray = standIn.lastTray()!;
    const entry = join(home, '.config', 'autostart', 'switchyard.desktop');
    expect(tray.menu!.find('Start at login')).toMatchObject({ type: 'checkbox', checked: false });
    tray.menu!.find('Start at login').press();
    expect(readFileSync(entry, 'utf8')).toContain('Exec="/opt/Switchyard/switchyard"');
    await waitFor('the box ticked', () => tray.menu!.find('Start at login').checked);
    tray.menu!.find('Start at login').press();
    expect(existsSync(entry)).toBe(false);
    await waitFor('the box cleared', () => tray.menu!.find('Start at login').checked === false);
  });

  it('answers the CLI through the admin API: `switchyard route list` prints the window’s routes', async () => {
    const listed = await cli(['route', 'list', '--data-dir', dataDir]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('shop.localhost');
    expect(listed.stdout).toContain('legacy.localhost');
  });

  it('makes `switchyard serve` on the same data folder say the app is running and exit non-zero', async () => {
    const second = await cli(['serve', '--data-dir', dataDir, '--http-port', '0', '--https-port', '0', '--admin-port', '0']);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('already running');
    expect(second.stderr).toContain(`pid ${process.pid}`);
  });

  it('keeps serving in the tray when the window is closed, and says so once', async () => {
    const first = window();
    expect(first.close().defaultPrevented).toBe(true);
    expect(first.isVisible()).toBe(false);
    expect((await request(proxyPort(), 'shop.localhost')).status).toBe(200);
    const notices = () => standIn.record.notifications.filter((note) => note.title === 'Switchyard is still running');
    expect(notices()).toHaveLength(1);
    first.close();
    expect(notices()).toHaveLength(1);
    // Remembered across restarts, beside the database.
    expect(JSON.parse(readFileSync(join(dataDir, 'preferences.json'), 'utf8'))).toMatchObject({ closedToTrayNoticeShown: true });
    standIn.lastTray()!.menu!.find('Open Switchyard').press();
    expect(window().isVisible()).toBe(true);
    // Starting the app again shows the window too.
    first.hide();
    standIn.app.emit('second-instance');
    expect(window().isVisible()).toBe(true);
  });

  it('stops the core on Quit: the proxy and admin ports are free afterwards', async () => {
    const running = shell.running()!;
    const ports = [...running.core.engine.listeners().map((listener) => listener.port), Number(new URL(running.adminUrl).port)];
    standIn.lastTray()!.menu!.find('Quit Switchyard').press();
    await waitFor('the app to quit', () => standIn.record.quit);
    expect(shell.running()).toBeUndefined();
    expect(standIn.lastTray()!.destroyed).toBe(true);
    for (const port of ports) expect(await portIsFree(port), `port ${port}`).toBe(true);
    expect(window().isDestroyed()).toBe(true);
  });
});

describe('the desktop shell while `switchyard serve` runs on its data folder', () => {
  it('shows a dialog saying so and exits non-zero', async () => {
    const root = tempDir('switchyard-desktop-serve-');
    const dataDir = join(root.path, 'xdg', 'switchyard');
    const served = await startServe(dataDir);
    try {
      const standIn = createElectronStandIn({ userData: join(root.path, 'user-data') });
      const shell = startDesktopShell(standIn.electron, {
        mainDir: join(repoRoot, 'out', 'main'),
        env: shellEnv(join(root.path, 'xdg')),
        nativeBinding: undefined,
        log: () => undefined,
      });
      await shell.ready;
      expect(standIn.record.errorBoxes).toHaveLength(1);
      expect(standIn.record.errorBoxes[0]).toMatchObject({ title: 'Switchyard is already running' });
      expect(standIn.record.errorBoxes[0]!.content).toContain(`pid ${served.child.pid}`);
      expect(standIn.record.exitCode).toBe(1);
      expect(shell.running()).toBeUndefined();
      expect(standIn.record.windows).toEqual([]);
    } finally {
      await served.stop();
      root.remove();
    }
  });
});

describe('the desktop shell when another program holds the admin port', () => {
  it('serves the admin API on another port, which connection.json names, rather than refusing to start', async () => {
    const root = tempDir('switchyard-desktop-port-');
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as net.AddressInfo).port;
    const standIn = createElectronStandIn({ userData: join(root.path, 'user-data') });
    const logged: string[] = [];
    // No SWITCHYARD_ADMIN_PORT: the default port, here one that is taken.
    const env = { ...shellEnv(join(root.path, 'xdg')), SWITCHYARD_ADMIN_PORT: undefined };
    try {
      const shell = startDesktopShell(standIn.electron, { mainDir: join(repoRoot, 'out', 'main'), env, nativeBinding: undefined, log: (line) => logged.push(line), adminPort: taken });
      await shell.ready;
      expect(standIn.record.errorBoxes).toEqual([]);
      const adminPort = Number(new URL(shell.running()!.adminUrl).port);
      expect(adminPort).not.toBe(taken);
      expect(logged.join('\n')).toContain(`Port ${taken} on 127.0.0.1 is already in use`);
      const status = await cli(['status', '--data-dir', join(root.path, 'xdg', 'switchyard')]);
      expect(status.code).toBe(0);
      standIn.app.quit();
      await waitFor('the app to quit', () => standIn.record.quit);
    } finally {
      holder.close();
      root.remove();
    }
  });

  it('names the environment variable, not a serve flag, when the HTTP port the user set is taken', async () => {
    const root = tempDir('switchyard-desktop-http-port-');
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as net.AddressInfo).port;
    const standIn = createElectronStandIn({ userData: join(root.path, 'user-data') });
    const env = { ...shellEnv(join(root.path, 'xdg')), SWITCHYARD_HTTP_PORT: String(taken) };
    try {
      const shell = startDesktopShell(standIn.electron, { mainDir: join(repoRoot, 'out', 'main'), env, nativeBinding: undefined, log: () => {} });
      await shell.ready;
      expect(standIn.record.errorBoxes).toHaveLength(1);
      expect(standIn.record.errorBoxes[0]).toMatchObject({
        title: 'Switchyard cannot start',
        content: `Port ${taken} on 127.0.0.1 is already in use by another program. Stop that program, or choose another port with the SWITCHYARD_HTTP_PORT environment variable.`,
      });
      expect(standIn.record.exitCode).toBe(1);
    } finally {
      holder.close();
      root.remove();
    }
  });
});

describe('the CLI when nothing runs on the shared folder', () => {
  it('names the desktop app as the other way to start Switchyard', async () => {
    const root = tempDir('switchyard-desktop-cli-');
    try {
      assertBuilt();
      const shared = await cli(['route', 'list'], { SWITCHYARD_DATA_DIR: root.path });
      expect(shared.code).not.toBe(0);
      expect(shared.stderr.trim()).toBe(`switchyard: Switchyard is not running for ${root.path}. Start it with \`switchyard serve\`, or open the Switchyard app.`);
      // A folder named on the command line is not the app's.
      expect((await cli(['route', 'list', '--data-dir', join(root.path, 'other')])).stderr).not.toContain('Switchyard app');
    } finally {
      root.remove();
    }
  });
});
