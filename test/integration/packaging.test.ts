import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { afterAll, describe, expect, it } from 'vitest';
import { packagedBinding } from '../../src/main/electron/native-binding';
import { assertBuilt, repoRoot } from '../helpers/cli';
import { tempDir } from '../helpers/core';

// electron-builder.yml (npm run dist), checked without the Electron binary,
// which cannot be downloaded here: against electron-builder's own schema, and
// by packing an unpacked Linux build around a STAND-IN Electron distribution
// (a shell script where the electron executable would be), with the native
// rebuild off because Electron's headers cannot be downloaded either. What the
// packed app holds is real; that it runs, and that better-sqlite3 is rebuilt
// for Electron, is only checked where the binary exists (electron-smoke).

/** electron-builder packs about 2,000 files into app.asar; on a shared 2-core machine that took 35 to 41 s. */
const packTimeoutMs = 150_000;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout ends electron-builder's children too.
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), packTimeoutMs - 5_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the electron-builder configuration', () => {
  it("passes electron-builder's own schema, which refuses a wrong key", async () => {
    const config = await getConfig(repoRoot, null, null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toBe('dmg');
    expect(config.win?.target).toBe('nsis');
    await expect(validateConfiguration({ ...config, linux: { ...config.linux, targets: 'deb' } as never }, new DebugLogger(false))).rejects.toThrow(/Invalid configuration object/);
  });

  const scratch = tempDir('switchyard-dist-');
  afterAll(() => scratch.remove());

  it(
    'packs the built app into app.asar and better-sqlite3 beside it, unpacked where the shell loads it from',
    async () => {
      assertBuilt();
      const electronDist = join(scratch.path, 'stand-in-electron');
      mkdirSync(electronDist);
      writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\necho "a stand-in for Electron: packaging test only" >&2\nexit 1\n');
      chmodSync(join(electronDist, 'electron'), 0o755);
      const output = join(scratch.path, 'dist');
      const packed = await run(
        process.execPath,
        [join(repoRoot, 'node_modules', 'electron-builder', 'cli.js'), '--linux', 'dir', `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${output}`],
        repoRoot,
      );
      expect(packed.code, packed.output).toBe(0);

      const resources = join(output, 'linux-unpacked', 'resources');
      expect(existsSync(join(output, 'linux-unpacked', 'switchyard-desktop'))).toBe(true);
      const asar = join(resources, 'app.asar');
      const files = new Set(listPackage(asar, { isPack: false }).map((file) => file.replaceAll('\\', '/')));
      for (const file of ['/out/main/index.js', '/out/main/headless.js', '/out/preload/index.js', '/out/renderer/index.html', '/resources/icon-512.png', '/resources/tray-up.png', '/resources/tray-down@2x.png']) {
        expect(files.has(file), file).toBe(true);
      }
      expect([...files].filter((file) => /^\/(src|test|bench|scripts|docs)\//.test(file))).toEqual([]);
      expect(JSON.parse(extractFile(asar, 'package.json').toString()).main).toBe('out/main/index.js');
      // The one path native-binding.ts gives a packaged app.
      expect(existsSync(packagedBinding(resources))).toBe(true);
      // SQLite's sources (about 20 MB) are not shipped: only the binding and its JavaScript are loaded.
      expect(existsSync(join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'deps'))).toBe(false);
      expect(existsSync(join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'lib', 'index.js'))).toBe(true);
    },
    packTimeoutMs,
  );
});
