import type * as Electron from 'electron';

/**
 * The parts of the `electron` module the desktop shell uses, passed in rather
 * than imported, so the shell's wiring also runs under plain Node against a
 * recorded stand-in (test/helpers/electron-stand-in.ts). index.ts passes the
 * real module.
 */
export type ElectronModules = Pick<
  typeof Electron,
  'app' | 'BrowserWindow' | 'dialog' | 'ipcMain' | 'Menu' | 'nativeImage' | 'Notification' | 'session' | 'shell' | 'Tray'
>;
