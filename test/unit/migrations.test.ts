import { createHash } from 'node:crypto';
import { chmodSync, openSync, closeSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/core/store/database';
import { migrations, type Migration } from '../../src/main/core/store/migrations';
import { RouteRepository } from '../../src/main/core/store/route-repository';
import { defaultRouteSettings } from '../../src/shared/model';
import { tempDir } from '../helpers/core';
import { thrownBy } from '../helpers/thrown';

const dirs: { remove(): void }[] = [];
function dbFile() {
  const dir = tempDir();
  dirs.push(dir);
  return join(dir.path, 'nested', 'switchyard.db');
}
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

const latest = migrations[migrations.length - 1]!.version;

/** Everything a refused open must leave as it was: the bytes, the modes, and no -wal/-shm beside the file. */
function fingerprint(file: string) {
  return {
    sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    mode: statSync(file).mode & 0o777,
    folderMode: statSync(dirname(file)).mode & 0o777,
    folder: readdirSync(dirname(file)).sort(),
  };
}

/** A file readable by others in a folder others can enter, as a user's copy or restore could leave it. */
function loosen(file: string) {
  chmodSync(file, 0o644);
  chmodSync(dirname(file), 0o755);
}

describe('store migrations', () => {
  it('creates a fresh database at the latest version, WAL, foreign keys on, mode 0600', () => {
    const file = dbFile();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
  });

  it('upgrades an older database step by step and keeps its data', () => {
    const file = dbFile();
    const v1: Migration = { version: 1, up: (db) => db.exec('CREATE TABLE t (a TEXT)') };
    const v2: Migration = { version: 2, up: (db) => db.exec("ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x'") };
    const first = openDatabase(file, { migrations: [v1] });
    first.prepare("INSERT INTO t (a) VALUES ('kept')").run();
    first.close();

    const upgraded = openDatabase(file, { migrations: [v1, v2] });
    expect(upgraded.pragma('user_version', { simple: true })).toBe(2);
    expect(upgraded.prepare('SELECT a, b FROM t').all()).toEqual([{ a: 'kept', b: 'x' }]);
    upgraded.close();
  });

  it('upgrades a version-1 database with routes to the current schema, giving old routes default settings', () => {
    const file = dbFile();
    openDatabase(file, { migrations: migrations.slice(0, 1) }).close();
    const v1 = new Database(file);
    v1.prepare("INSERT INTO routes (host, path, algorithm) VALUES ('old.localhost', '/', 'round-robin')").run();
    v1.close();

    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(new RouteRepository(db).list()).toEqual([
      expect.objectContaining({ host: 'old.localhost', settings: defaultRouteSettings, backends: [] }),
    ]);
    // A hand-edited, broken settings value falls back to the defaults instead of failing start-up.
    db.prepare("UPDATE routes SET settings = '{\"hashKey\":{\"source\":\"nope\"}}'").run();
    expect(new RouteRepository(db).list()[0]!.settings).toEqual(defaultRouteSettings);
    db.close();
  });

  it('rolls back a failing migration step and leaves the previous version intact', () => {
    const file = dbFile();
    const v1: Migration = { version: 1, up: (db) => db.exec('CREATE TABLE t (a TEXT)') };
    const broken: Migration = {
      version: 2,
      up: (db) => {
        db.exec('CREATE TABLE half_done (x)');
        throw new Error('boom');
      },
    };
    openDatabase(file, { migrations: [v1] }).close();
    expect(() => openDatabase(file, { migrations: [v1, broken] })).toThrow(/boom/);
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    raw.close();
  });

  it('refuses a database written by a newer version and leaves it untouched: bytes, mode, folder', () => {
    const file = dbFile();
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${latest + 5}`);
    raw.close();
    loosen(file);
    const before = fingerprint(file);
    expect(before.folder).toEqual(['switchyard.db']);

    const error = thrownBy(() => openDatabase(file));
    expect(error.code).toBe('DB_NEWER_VERSION');
    expect(error.message).toContain(file);
    expect(fingerprint(file)).toEqual(before);
  });

  it('refuses a file that is not SQLite at all, names it, and leaves it untouched', () => {
    const file = dbFile();
    openDatabase(file).close();
    const garbage = Buffer.alloc(8192, 'not a database ');
    writeFileSync(file, garbage);
    loosen(file);
    const before = fingerprint(file);

    const error = thrownBy(() => openDatabase(file));
    expect(error.code).toBe('DB_CORRUPT');
    expect(error.message).toContain(file);
    expect(readFileSync(file).equals(garbage)).toBe(true);
    expect(fingerprint(file)).toEqual(before);
  });

  it('refuses a SQLite file with a damaged page (quick_check) and leaves it untouched', () => {
    const file = dbFile();
    const db = openDatabase(file);
    const insert = db.prepare("INSERT INTO routes (host, path) VALUES (?, '/')");
    for (let i = 0; i < 200; i++) insert.run(`site-${i}.localhost`);
    db.close();
    const pageSize = 4096;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, pageSize * 2);
    closeSync(fd);
    loosen(file);
    const before = fingerprint(file);

    const error = thrownBy(() => openDatabase(file));
    expect(error.code).toBe('DB_CORRUPT');
    expect(error.message).toContain(file);
    expect(fingerprint(file)).toEqual(before);
  });

  it('makes an accepted database 0600 in a 0700 folder, and leaves no -wal/-shm after closing', () => {
    const file = dbFile();
    openDatabase(file).close();
    loosen(file);

    openDatabase(file).close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    expect(readdirSync(dirname(file))).toEqual(['switchyard.db']);
  });
});
