// better-sqlite3 is built for Node by `npm install` (tests and `serve` use
// that). Electron has another ABI, so the desktop shell loads a second build
// from build/electron-native/ (see src/main/electron/native-binding.ts). This makes it once,
// with the node-gyp npm ships, against Electron's headers.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function ensureElectronSqlite(root) {
  const target = join(root, 'build', 'electron-native', 'better_sqlite3.node');
  if (existsSync(target)) return { ok: true };
  const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const nodeGyp = process.env.npm_config_node_gyp;
  if (!nodeGyp) return { ok: false, reason: 'node-gyp was not found (run this through `npm start`)' };
  const work = mkdtempSync(join(tmpdir(), 'switchyard-sqlite-'));
  try {
    cpSync(join(root, 'node_modules', 'better-sqlite3'), work, { recursive: true });
    rmSync(join(work, 'build'), { recursive: true, force: true });
    const result = spawnSync(
      process.execPath,
      [nodeGyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'],
      { cwd: work, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
    );
    if (result.status !== 0) return { ok: false, reason: `building better-sqlite3 for Electron failed: ${result.stderr.trim().split('\n').pop()}` };
    mkdirSync(join(root, 'build', 'electron-native'), { recursive: true });
    cpSync(join(work, 'build', 'Release', 'better_sqlite3.node'), target);
    return { ok: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
