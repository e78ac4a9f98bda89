import type { BrowserWindow } from 'electron';
import type { ElectronModules } from './electron-modules';
import { isAppUrl, isExternalLink, isPermissionGranted, secureWebPreferences } from './security-policy';

export interface MainWindowOptions {
  appUrl: string;
  preload: string;
  icon: string;
}

/** The window, with the renderer held to our own page: no navigation away, no new windows, no webviews. */
export function createMainWindow({ BrowserWindow: Window, shell }: Pick<ElectronModules, 'BrowserWindow' | 'shell'>, options: MainWindowOptions): BrowserWindow {
  const win = new Window({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Switchyard',
    icon: options.icon,
    show: false,
    webPreferences: secureWebPreferences(options.preload),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, options.appUrl)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadURL(options.appUrl);
  return win;
}

/** Every web permission request and check is answered by the policy (which grants none), devices too. */
export function denyWebPermissions({ session }: Pick<ElectronModules, 'session'>): void {
  const { defaultSession } = session;
  defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionGranted(permission)));
  defaultSession.setPermissionCheckHandler((_contents, permission) => isPermissionGranted(permission));
  defaultSession.setDevicePermissionHandler(() => false);
}
