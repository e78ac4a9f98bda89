import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/core/store/database';
import { migrations, type Migration } from '../../src/main/core/store/migrations';
import { RouteRepository } from '../../src/main/core/store/route-repository';
import { defaultRouteSettings } from '../../src/shared/model';
import { tempDir } from '../helpers/core';

const dirs: { remove(): void }[] = [];
function dbFile() {
  const dir = tempDir();
  dirs.push(dir);
  return join(dir.path, 'nested', 'switchyard.db');
}
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

const latest = migrations[migrations.length - 1]!.version;

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

  it('refuses a database written by a newer version and leaves it untouched', () => {
    const file = dbFile();
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${latest + 5}`);
    raw.close();
    const before = readFileSync(file);

    expect(() => openDatabase(file)).toThrow(
      expect.objectContaining({ code: 'DB_NEWER_VERSION', message: expect.stringContaining(file) }),
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a corrupt file, names it, and never replaces it', () => {
    const file = dbFile();
    openDatabase(file).close();
    const garbage = Buffer.alloc(8192, 'not a database ');
    writeFileSync(file, garbage);

    expect(() => openDatabase(file)).toThrow(
      expect.objectContaining({ code: 'DB_CORRUPT', message: expect.stringContaining(file) }),
    );
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });
});
