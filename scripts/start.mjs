// `npm start`: build, then open the desktop app; where Electron cannot start
// (binary not downloaded, no display) say why in one line and run the
// headless shell instead, which prints the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectronSqlite } from './electron-native.mjs';
import { serveNodeFlags } from './serve-flags.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.error('switchyard: the build failed (see above).');
  process.exit(build.status ?? 1);
}

function electronBinary() {
  const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return { reason: 'the Electron binary is not installed (its download is not reachable from here)' };
  const binary = join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { reason: `the Electron binary is missing at ${binary}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  const sqlite = ensureElectronSqlite(root);
  if (!sqlite.ok) return { reason: sqlite.reason };
  return { binary };
}

const electron = electronBinary();
const args = process.argv.slice(2);
const child = electron.binary
  ? spawn(electron.binary, [root, ...args], { stdio: 'inherit' })
  : (console.log(`switchyard: starting the headless UI because ${electron.reason}.`),
    spawn(process.execPath, [...serveNodeFlags(), join(root, 'bin', 'switchyard.js'), 'serve', ...args], { stdio: 'inherit' }));

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
