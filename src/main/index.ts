import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, Menu, Notification, session, shell } from 'electron';
import { SwitchyardError } from '../shared/errors';
import { Core, defaultHttpPort, defaultHttpsPort } from './core/core';
import { registerIpc } from './electron/ipc';
import { loadPreferences, notificationFor, savePreferences } from './electron/notifications';
import { isAppUrl, isExternalLink, isPermissionGranted, secureWebPreferences } from './electron/security-policy';
import { guardProcess } from './process-guard';

// The desktop shell: a window, the single-instance lock and app paths around
// the same core `switchyard serve` runs. Everything else lives in the core.

const rendererFile = join(__dirname, '../renderer/index.html');
const appUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(rendererFile).toString();
// better-sqlite3 built for Electron's ABI, kept apart from the Node build the tests use.
const electronBinding = join(__dirname, '../../build/electron-native/better_sqlite3.node');

let window: BrowserWindow | undefined;
let core: Core | undefined;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Switchyard',
    icon: join(__dirname, '../../resources/icon-512.png'),
    show: false,
    webPreferences: secureWebPreferences(join(__dirname, '../preload/index.js')),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadURL(appUrl);
  return win;
}

/** Every web permission request and check is answered by the policy (which grants none), devices too. */
function denyWebPermissions(): void {
  const { defaultSession } = session;
  defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionGranted(permission)));
  defaultSession.setPermissionCheckHandler((_contents, permission) => isPermissionGranted(permission));
  defaultSession.setDevicePermissionHandler(() => false);
}

/** Desktop notifications when a backend goes down or comes back; a menu checkbox switches them off. */
function watchForNotifications(running: Core, dataDir: string): void {
  const preferences = loadPreferences(dataDir);
  const menu = Menu.buildFromTemplate([
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'Notifications',
      submenu: [
        {
          label: 'Notify when a backend goes down or comes back',
          type: 'checkbox',
          checked: preferences.notifications,
          click: (item) => {
            preferences.notifications = item.checked;
            savePreferences(dataDir, preferences);
          },
        },
      ],
    },
    { role: 'windowMenu' },
  ]);
  Menu.setApplicationMenu(menu);
  running.events.on('event', (event) => {
    if (event.name !== 'timeline.added' || !preferences.notifications || !Notification.isSupported()) return;
    const note = notificationFor(event.payload);
    if (note) new Notification(note).show();
  });
}

async function start(): Promise<void> {
  denyWebPermissions();
  try {
    core = await Core.start({
      dataDir: app.getPath('userData'),
      httpPort: Number(process.env.SWITCHYARD_HTTP_PORT ?? defaultHttpPort),
      httpsPort: Number(process.env.SWITCHYARD_HTTPS_PORT ?? defaultHttpsPort),
      nativeBinding: existsSync(electronBinding) ? electronBinding : undefined,
      log: (line) => console.error(line),
      // A desktop session: osascript, pkexec's polkit agent or UAC can put the system's password prompt in front of the user.
      canPromptForTrust: true,
    });
  } catch (error) {
    const message = error instanceof SwitchyardError ? error.message : String(error);
    dialog.showErrorBox('Switchyard cannot start', message);
    app.exit(1);
    return;
  }
  registerIpc(core, () => window?.webContents, appUrl);
  watchForNotifications(core, app.getPath('userData'));
  window = createWindow();
}

// Electron's default shows a dialog and may leave the app half-dead; the
// proxy must keep serving, so log and go on, like `switchyard serve`.
guardProcess((line) => console.error(line));

// Same young-generation size as `switchyard serve` (see bin/switchyard.js).
app.commandLine.appendSwitch('js-flags', '--max-semi-space-size=2');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, appUrl)) event.preventDefault();
    });
  });
  app.on('window-all-closed', () => app.quit());
  let stopping = false;
  app.on('before-quit', (event) => {
    if (!core || stopping) return;
    event.preventDefault();
    stopping = true;
    void core.stop().finally(() => app.quit());
    core = undefined;
  });
  void app.whenReady().then(start);
}
