import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserWindow, Event as ElectronEvent } from 'electron';
import { SwitchyardError } from '../../shared/errors';
import type { Core } from '../core/core';
import { desktopPortNaming, portField, portName } from '../core/port-naming';
import { formerDataDirs, isDefaultDataDir, resolveDataDir } from '../headless/data-dir';
import { defaultAdminPort, serve, type RunningServe } from '../headless/serve';
import type { ElectronModules } from './electron-modules';
import { registerIpc } from './ipc';
import { isStartAtLogin, setStartAtLogin, type LoginItemHost } from './login-item';
import { createMainWindow, denyWebPermissions } from './main-window';
import { loadPreferences, notificationFor, savePreferences, type Preferences } from './notifications';
import { isAppUrl } from './security-policy';
import { DesktopTray } from './tray';

// The desktop shell: window, tray, menu, single-instance lock and app paths
// around the same `serve()` the CLI runs, so the app also publishes the admin
// API and connection.json in the shared data folder and the CLI and a browser
// drive the window's core. Closing the window keeps the proxy in the tray.

export interface DesktopShellOptions {
  /** The built main process's folder (out/main): the renderer, preload and resources are found from it. */
  mainDir: string;
  env: NodeJS.ProcessEnv;
  /** better-sqlite3 for Electron's ABI (native-binding.ts). */
  nativeBinding: string | undefined;
  log: (line: string) => void;
  /** For "Start at login"; the running program by default. */
  loginItem?: Omit<LoginItemHost, 'app'>;
  /** The admin API's port unless SWITCHYARD_ADMIN_PORT says otherwise: serve's 7801 by default. */
  adminPort?: number;
}

export interface DesktopShell {
  /** Settles when start-up is over, whether it succeeded or the app is exiting. */
  ready: Promise<void>;
  running(): RunningServe | undefined;
  window(): BrowserWindow | undefined;
  tray(): DesktopTray | undefined;
}

/** A port named in the environment; unset, serve's default, which the useStandardPorts setting may replace. */
const namedPort = (value: string | undefined) => (value === undefined || value === '' ? undefined : Number(value));
const port = (value: string | undefined, fallback: number) => namedPort(value) ?? fallback;

/** listenAll's errors name the port they could not take as their field (os-errors.ts). */
const adminPortTaken = (error: unknown) => error instanceof SwitchyardError && error.code === 'PORT_IN_USE' && error.field === portField(portName(desktopPortNaming, 'admin'));

export function startDesktopShell(electron: ElectronModules, options: DesktopShellOptions): DesktopShell {
  const { app, dialog, Notification } = electron;
  const rendererDir = join(options.mainDir, '..', 'renderer');
  const appUrl = options.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(rendererDir, 'index.html')).toString();
  const resourcesDir = join(options.mainDir, '..', '..', 'resources');
  const loginItem: LoginItemHost = {
    ...(options.loginItem ?? { platform: process.platform, env: options.env, home: homedir(), execPath: process.execPath }),
    app,
  };
  let running: RunningServe | undefined;
  let window: BrowserWindow | undefined;
  let tray: DesktopTray | undefined;
  let quitting = false;
  let preferences: Preferences | undefined;
  let dataDir = '';

  const notify = (title: string, body: string) => {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  };

  const openWindow = () => {
    if (!running) return;
    if (!window || window.isDestroyed()) window = newWindow();
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  const newWindow = (): BrowserWindow => {
    const win = createMainWindow(electron, { appUrl, preload: join(options.mainDir, '..', 'preload', 'index.js'), icon: join(resourcesDir, 'icon-512.png') });
    win.on('close', (event: ElectronEvent) => {
      if (quitting) return;
      // The proxy keeps serving: the window only hides, as a menu-bar app's does.
      event.preventDefault();
      win.hide();
      if (preferences && !preferences.closedToTrayNoticeShown) {
        preferences.closedToTrayNoticeShown = true;
        savePreferencesSafely();
        notify('Switchyard is still running', 'Your routes keep serving. Open the window or quit from the Switchyard icon in the tray (menu bar), or start the app again.');
      }
    });
    return win;
  };

  const savePreferencesSafely = () => {
    try {
      if (preferences) savePreferences(dataDir, preferences);
    } catch (error) {
      options.log(`preferences not saved: ${(error as Error).message}`);
    }
  };

  const applicationMenu = () => {
    electron.Menu.setApplicationMenu(
      electron.Menu.buildFromTemplate([
        ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
        { role: 'fileMenu' },
        { role: 'editMenu' },
        {
          label: 'Notifications',
          submenu: [
            {
              label: 'Notify when a backend goes down or comes back',
              type: 'checkbox',
              checked: preferences?.notifications ?? true,
              click: (item) => {
                if (preferences) preferences.notifications = item.checked;
                savePreferencesSafely();
              },
            },
          ],
        },
        { role: 'windowMenu' },
      ]),
    );
  };

  /** Desktop notifications when a backend goes down or comes back. */
  const watchForNotifications = (core: Core) => {
    core.events.on('event', (event) => {
      if (event.name !== 'timeline.added' || !preferences?.notifications) return;
      const note = notificationFor(event.payload);
      if (note) notify(note.title, note.body);
    });
  };

  const start = async (): Promise<void> => {
    denyWebPermissions(electron);
    dataDir = resolveDataDir(undefined, options.env);
    const startServe = (adminPort: number) =>
      serve({
        dataDir,
        httpPort: namedPort(options.env.SWITCHYARD_HTTP_PORT),
        httpsPort: namedPort(options.env.SWITCHYARD_HTTPS_PORT),
        adminPort,
        rendererDir,
        nativeBinding: options.nativeBinding,
        // A desktop session: osascript, pkexec's polkit agent or UAC can put the system's password prompt in front of the user.
        canPromptForTrust: true,
        // The app has no flags: a "port in use" error names the environment variable that sets the port.
        portNaming: desktopPortNaming,
        // Electron's own folder held the app's data before the app and the CLI shared one: userData, named
        // after the app, and the package name's folder that `npm start` used before packages set a productName.
        formerDataDirs: isDefaultDataDir(undefined, options.env) ? formerDataDirs([app.getPath('userData'), join(app.getPath('appData'), 'switchyard')]) : [],
        log: options.log,
      });
    try {
      running = await startServe(port(options.env.SWITCHYARD_ADMIN_PORT, options.adminPort ?? defaultAdminPort)).catch((error: unknown) => {
        // Nobody types the app's admin address (the CLI reads connection.json), so a default port another program
        // holds is no reason not to start: take any free one. A port the user chose is theirs to fix.
        if (!adminPortTaken(error) || options.env.SWITCHYARD_ADMIN_PORT) throw error;
        options.log(`${(error as Error).message} Using another port for the admin API.`);
        return startServe(0);
      });
    } catch (error) {
      const message = error instanceof SwitchyardError ? error.message : String(error);
      const alreadyRunning = error instanceof SwitchyardError && error.code === 'ALREADY_RUNNING';
      dialog.showErrorBox(
        alreadyRunning ? 'Switchyard is already running' : 'Switchyard cannot start',
        alreadyRunning ? `${message}\n\nA \`switchyard serve\` runs the same routes: stop it (Ctrl+C where it runs), then open the app again.` : message,
      );
      app.exit(1);
      return;
    }
    const core = running.core;
    preferences = loadPreferences(dataDir);
    if (running.migration.kind === 'moved') {
      options.log(running.migration.message);
      notify('Switchyard moved its data', running.migration.message);
    }
    registerIpc(electron.ipcMain, core, () => window?.webContents, appUrl);
    applicationMenu();
    watchForNotifications(core);
    tray = new DesktopTray(electron, core, {
      iconDir: resourcesDir,
      open: openWindow,
      quit: () => app.quit(),
      startAtLogin: { get: () => isStartAtLogin(loginItem), set: (enabled) => setStartAtLogin(loginItem, enabled) },
      log: options.log,
    });
    await tray.refresh();
    window = newWindow();
  };

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { ready: Promise.resolve(), running: () => undefined, window: () => undefined, tray: () => undefined };
  }
  // Starting the app again (from a launcher, or at login when it already runs) shows the window.
  app.on('second-instance', openWindow);
  // macOS: a click on the Dock icon.
  app.on('activate', openWindow);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, appUrl)) event.preventDefault();
    });
  });
  // Without this Electron quits when the last window closes; the proxy lives in the tray.
  app.on('window-all-closed', () => undefined);
  let stopping = false;
  app.on('before-quit', (event) => {
    quitting = true;
    if (!running || stopping) return;
    // Let in-flight requests finish before the process goes (serve's stop drains them).
    event.preventDefault();
    stopping = true;
    const stopped = running;
    running = undefined;
    tray?.destroy();
    tray = undefined;
    stopped
      .stop()
      .catch((error: unknown) => options.log(`stopping: ${(error as Error).stack ?? String(error)}`))
      .finally(() => app.quit());
  });
  const ready = app.whenReady().then(start);
  return { ready, running: () => running, window: () => window, tray: () => tray };
}
