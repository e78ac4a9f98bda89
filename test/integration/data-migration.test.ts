import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateFormerData, movedNoteName } from '../../src/main/headless/data-migration';
import { must, startCore, tempDir } from '../helpers/core';
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs';
import { SwitchyardError } from '../../src/shared/errors';

// Moving a real data folder (SQLite database, local CA, access log) that an
// older Switchyard made into the shared folder, and failing without harm.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function refusal(attempt: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof SwitchyardError) return error;
    throw error;
  }
  throw new Error('Expected a SwitchyardError; the migration succeeded.');
}

function scratch(): string {
  const dir = tempDir('switchyard-migration-');
  cleanups.push(() => dir.remove());
  return dir.path;
}

/** Every file under `dir` with its bytes' hash and mode: the old folder must read the same after any attempt. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(dir, path)] = `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${(statSync(path).mode & 0o777).toString(8)}`;
    }
  };
  walk(dir);
  return files;
}

/** A data folder as a running Switchyard leaves it: a route with two backends, the local CA, preferences. */
async function formerFolder(): Promise<string> {
  const dir = join(scratch(), 'old');
  const core = await startCore(dir);
  await must(core.run('routes.create', { host: 'shop.localhost', backends: [{ url: 'http://127.0.0.1:3001' }, { url: 'http://127.0.0.1:3002', enabled: false }] }));
  await core.stop();
  writeFileSync(join(dir, 'preferences.json'), '{"notifications":false}\n', { mode: 0o600 });
  return dir;
}

describe('moving data from a former folder into the shared one', () => {
  it('copies the database, the CA and the preferences, verifies the copy, and keeps the old folder with a note', async () => {
    const old = await formerFolder();
    const before = snapshot(old);
    const target = join(scratch(), 'shared', 'switchyard');

    const outcome = await migrateFormerData(target, [join(scratch(), 'absent'), old]);

    expect(outcome).toMatchObject({ kind: 'moved', from: old, to: target });
    const core = await startCore(target);
    try {
      const routes = await must(core.run('routes.list', {}));
      expect(routes.map((route) => [route.host, route.backends.map((b) => [b.url, b.enabled])])).toEqual([
        ['shop.localhost', [['http://127.0.0.1:3001', true], ['http://127.0.0.1:3002', false]]],
      ]);
    } finally {
      await core.stop();
    }
    // The CA is the same CA (same key bytes), still private.
    for (const name of ['root.key', 'intermediate.key', 'root.crt']) {
      expect(readFileSync(join(target, 'tls', name))).toEqual(readFileSync(join(old, 'tls', name)));
    }
    expect(statSync(join(target, 'tls', 'root.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(target, 'switchyard.db')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(target, 'preferences.json'), 'utf8')).toContain('false');
    // The old folder is as it was, plus the note saying where the data went.
    const after = snapshot(old);
    expect(readFileSync(join(old, movedNoteName), 'utf8')).toContain(target);
    delete after[movedNoteName];
    expect(after).toEqual(before);
  });

  it('does nothing when the shared folder already has a database, and the next start does not move again', async () => {
    const old = await formerFolder();
    const target = join(scratch(), 'shared');
    expect((await migrateFormerData(target, [old])).kind).toBe('moved');
    expect(await migrateFormerData(target, [old])).toEqual({ kind: 'nothing', reason: `${target} already holds a database.` });
  });

  it('moves nothing from a former folder that is the shared folder itself (a case-insensitive disk, a symlink)', async () => {
    const old = await formerFolder();
    expect((await migrateFormerData(old, [old])).kind).toBe('nothing');
    expect(existsSync(join(old, movedNoteName))).toBe(false);
  });

  it.skipIf(tmpfsUnavailable)('into a read-only folder: fails with the reason, the old data untouched and nothing left behind', async () => {
    const old = await formerFolder();
    const before = snapshot(old);
    const readOnly: Tmpfs = mountTmpfs('ro,mode=0755');
    cleanups.push(() => readOnly.unmount());
    const target = join(readOnly.path, 'switchyard');

    const error = await refusal(migrateFormerData(target, [old]));

    expect(error).toMatchObject({ code: 'DATA_MIGRATION_FAILED' });
    expect(error.message).toContain(`Your data is still in ${old}, unchanged.`);
    expect(error.message).toContain('writable');
    expect(snapshot(old)).toEqual(before);
    expect(existsSync(target)).toBe(false);
  });

  it.skipIf(tmpfsUnavailable)('onto a disk that fills up midway: removes the partial copy, so the next start tries again', async () => {
    const old = await formerFolder();
    const before = snapshot(old);
    // Room for the CA's few files but not for the database's pages.
    const small: Tmpfs = mountTmpfs('size=48k,mode=0700');
    cleanups.push(() => small.unmount());
    const target = join(small.path, 'switchyard');
    mkdirSync(target, { mode: 0o700 });

    const error = await refusal(migrateFormerData(target, [old]));

    expect(error).toMatchObject({ code: 'DATA_MIGRATION_FAILED' });
    expect(readdirSync(target)).toEqual([]);
    expect(snapshot(old)).toEqual(before);
  });
});
