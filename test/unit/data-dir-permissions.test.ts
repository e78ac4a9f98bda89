import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/core/store/database';
import { connectionFile, writeConnection, type Connection } from '../../src/main/headless/connection-file';
import { tempDir } from '../helpers/core';
import { thrownBy } from '../helpers/thrown';
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

/** A data folder that already exists with `mode`, as `mkdir` under a 022 umask leaves it. */
function existingFolder(mode: number): string {
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  const folder = join(dir.path, 'data');
  mkdirSync(folder);
  chmodSync(folder, mode);
  return folder;
}

const modeOf = (path: string) => statSync(path).mode & 0o7777;
const isRoot = process.getuid?.() === 0;
const connection: Connection = { pid: 1, adminUrl: 'http://127.0.0.1:7801', token: 'x'.repeat(43), httpPort: 7800, startedAt: '' };

if (!isRoot) console.log('data-dir-permissions: the folder-of-another-user test needs root to chown; skipped');
if (tmpfsUnavailable) console.log(`data-dir-permissions: the read-only folder test is skipped: ${tmpfsUnavailable}`);

describe('data folder permissions', () => {
  it('tightens an existing 0755 data folder to 0700 when the database opens in it', () => {
    const folder = existingFolder(0o755);
    openDatabase(join(folder, 'switchyard.db')).close();
    expect(modeOf(folder)).toBe(0o700);
  });

  it('tightens an existing 0755 data folder to 0700 when connection.json (the admin token) is written', () => {
    const folder = existingFolder(0o755);
    writeConnection(folder, connection);
    expect(modeOf(folder)).toBe(0o700);
    expect(modeOf(connectionFile(folder))).toBe(0o600);
  });

  it('refuses a shared folder like /tmp (sticky, world-writable) and leaves its mode alone', () => {
    const folder = existingFolder(0o1777);
    const error = thrownBy(() => writeConnection(folder, connection));
    expect(error.code).toBe('DATA_DIR_UNSAFE');
    expect(error.message).toContain(`${folder} is a folder shared with other users`);
    expect(thrownBy(() => openDatabase(join(folder, 'switchyard.db'))).code).toBe('DATA_DIR_UNSAFE');
    expect(modeOf(folder)).toBe(0o1777);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses a file given as the data folder', () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const file = join(dir.path, 'not-a-folder');
    writeFileSync(file, '');
    const error = thrownBy(() => writeConnection(file, connection));
    expect(error.code).toBe('DATA_DIR_UNSAFE');
    expect(error.message).toContain(`${file}, or a folder above it, is a file`);
  });

  it.skipIf(!isRoot)("refuses another user's readable folder with the command that fixes it, and leaves it alone", () => {
    const folder = existingFolder(0o755);
    const nobody = 65534;
    chownSync(folder, nobody, nobody);
    const error = thrownBy(() => openDatabase(join(folder, 'switchyard.db')));
    expect(error.code).toBe('DATA_DIR_UNSAFE');
    expect(error.message).toContain(`${folder} belongs to another user (uid ${nobody})`);
    expect(thrownBy(() => writeConnection(folder, connection)).message).toContain(`sudo chown -R 0 '${folder}' && chmod 700 '${folder}'`);
    expect(modeOf(folder)).toBe(0o755);
    expect(statSync(folder).uid).toBe(nobody);
    expect(readdirSync(folder)).toEqual([]);
  });

  it.skipIf(tmpfsUnavailable !== undefined)('refuses a folder whose mode cannot be changed (read-only filesystem), naming chmod 700', () => {
    const readOnly: Tmpfs = mountTmpfs('ro,mode=0755');
    cleanups.push(() => readOnly.unmount());
    const error = thrownBy(() => writeConnection(readOnly.path, connection));
    expect(error.code).toBe('DATA_DIR_UNSAFE');
    expect(error.message).toMatch(new RegExp(`^${readOnly.path} can be read by other users .*Run \`chmod 700 '${readOnly.path}'\``));
    expect(modeOf(readOnly.path)).toBe(0o755);
  });
});
