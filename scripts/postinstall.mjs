// Runs after `npm install` / `npm ci`. Electron's own download script is
// denied in package.json's allowScripts (it fails on machines that cannot
// reach its download host); here we try it once and, when it cannot work,
// say so in one line and succeed: everything but the desktop window works
// without the binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const headlessHint = 'the desktop window is unavailable; `npm start` will run the headless UI in your browser instead.';

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

const dir = electronDir();
if (!dir) {
  console.log(`switchyard: Electron is not installed (production install?): ${headlessHint}`);
} else if (existsSync(join(dir, 'path.txt'))) {
  // Already downloaded by an earlier install.
} else if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log(`switchyard: ELECTRON_SKIP_BINARY_DOWNLOAD is set: ${headlessHint}`);
} else {
  const result = spawnSync(process.execPath, [join(dir, 'install.js')], {
    stdio: 'pipe',
    timeout: 120_000,
    encoding: 'utf8',
  });
  if (result.status === 0 && existsSync(join(dir, 'path.txt'))) {
    console.log('switchyard: Electron binary installed; `npm start` opens the desktop app.');
  } else {
    const reason = (result.error?.message ?? result.stderr ?? '').split('\n').find((line) => line.trim()) ?? 'download failed';
    console.log(`switchyard: could not download the Electron binary (${reason.trim().slice(0, 160)}): ${headlessHint}`);
  }
}
