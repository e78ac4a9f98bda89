import * as electron from 'electron';
import { serveV8Flags } from './headless/serve-v8-flags';
import { guardProcess } from './process-guard';
import { startDesktopShell } from './electron/desktop-shell';
import { electronSqliteBinding } from './electron/native-binding';

// The Electron entry: the real `electron` module handed to the shell
// (electron/desktop-shell.ts), which tests also run against a stand-in.

const log = (line: string) => console.error(line);

// Electron's default shows a dialog and may leave the app half-dead; the
// proxy must keep serving, so log and go on, like `switchyard serve`.
guardProcess(log);

// Same young-generation size as `switchyard serve` (serve-v8-flags.ts).
electron.app.commandLine.appendSwitch('js-flags', serveV8Flags.join(' '));

startDesktopShell(electron, {
  mainDir: __dirname,
  env: process.env,
  nativeBinding: electronSqliteBinding({ isPackaged: electron.app.isPackaged, resourcesPath: process.resourcesPath, appPath: electron.app.getAppPath() }),
  log,
}).ready.catch((error: unknown) => {
  // Past serve(), so the proxy may be running: say so and stop rather than run without a window or tray.
  log(`start-up failed: ${(error as Error).stack ?? String(error)}`);
  electron.dialog.showErrorBox('Switchyard cannot start', String((error as Error).message ?? error));
  electron.app.exit(1);
});
