import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/core/store/database';
import { latestVersion, migrations, type Migration } from '../../src/main/core/store/migrations';
import { connectionFile, writeConnection, type Connection } from '../../src/main/headless/connection-file';
import { cli, startServe } from '../helpers/cli';
import { thrownBy } from '../helpers/thrown';
import { fillDisk, mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs';

// A real full disk: a 256 KB tmpfs, filled until ENOSPC. Needs root to mount
// (CI runs as root); elsewhere every test here is skipped with the reason.

const DISK_SIZE = 'size=256k';
/** Room given back after filling: enough for SQLite's 32 KB shared-memory file, far less than the migration below writes. */
const ROOM_FOR_SHM_BYTES = 128 * 1024;
const BIG_MIGRATION_BYTES = 1024 * 1024;
/** A refused start exits at once; a serve that stays up after failing would only end at cli()'s 30 s timeout. */
const PROMPT_EXIT_MS = 10_000;
/** cli()'s own limit; the test waits longer so a hang fails on the time assertion, not the test timeout. */
const CLI_TIMEOUT_MS = 30_000;

if (tmpfsUnavailable) console.log(`full-disk tests skipped: ${tmpfsUnavailable}`);

let disk: Tmpfs | undefined;
afterEach(() => {
  disk?.unmount();
  disk = undefined;
});

function tinyDisk(): Tmpfs {
  disk = mountTmpfs(DISK_SIZE);
  return disk;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const connection: Connection = { pid: 1, adminUrl: 'http://127.0.0.1:7801', token: 'x'.repeat(43), httpPort: 7800, startedAt: '' };

describe.skipIf(tmpfsUnavailable !== undefined)('a full disk at start', () => {
  it('serve restarted on a full disk exits 1 with a sentence, leaves no temp file and the database as it was', async () => {
    const data = join(tinyDisk().path, 'data');
    const first = await startServe(data);
    expect(await first.stop()).toBe(0);
    const database = join(data, 'switchyard.db');
    const files = readdirSync(data).sort();
    const bytes = sha256(database);
    expect(files).toEqual(['connection.json', 'switchyard.db', 'tls']);

    fillDisk(join(disk!.path, 'filler'));
    const restart = await cli(['serve', '--data-dir', data, '--http-port', '0', '--https-port', '0', '--admin-port', '0']);

    expect(restart.code).toBe(1);
    const lines = restart.stderr.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(lines[0]).toMatch(/^switchyard: /);
    expect(restart.stderr).toContain(`The disk that holds ${data} is full`);
    expect(restart.stderr).toContain('Free some space');
    expect(restart.stderr).not.toMatch(/^\s+at /m);
    expect(restart.stderr).not.toContain('ENOSPC');
    expect(readdirSync(data).sort()).toEqual(files);
    expect(sha256(database)).toBe(bytes);
  });

  it('serve restarted after a crash on a full disk reaches connection.json: exits 1 at once with a sentence, no temp file, nothing lost', async () => {
    const data = join(tinyDisk().path, 'data');
    const first = await startServe(data);
    expect((await cli(['route', 'add', 'kept.localhost', '--backend', 'http://127.0.0.1:3001', '--data-dir', data])).code).toBe(0);
    // A crash leaves the -wal (holding the route) and an allocated -shm, so the restart opens the database without new room.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    fillDisk(join(disk!.path, 'filler'));

    const startedAt = Date.now();
    const restart = await cli(['serve', '--data-dir', data, '--http-port', '0', '--https-port', '0', '--admin-port', '0']);

    expect(restart.code).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(PROMPT_EXIT_MS);
    expect(restart.stderr).toBe(
      `switchyard: The disk that holds ${data} is full, so Switchyard cannot save ${connectionFile(data)}. Free some space on it and start Switchyard again.\n`,
    );
    expect(readdirSync(data).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    truncateSync(join(disk!.path, 'filler'), 0);
    const db = openDatabase(join(data, 'switchyard.db'));
    expect(db.prepare('SELECT host FROM routes').pluck().all()).toEqual(['kept.localhost']);
    db.close();
  }, CLI_TIMEOUT_MS + PROMPT_EXIT_MS);

  it('connection.json on a full disk: a DISK_FULL sentence naming the folder, no temp file, the old file kept', () => {
    const data = join(tinyDisk().path, 'data');
    writeConnection(data, connection);
    const before = readFileSync(connectionFile(data), 'utf8');
    fillDisk(join(disk!.path, 'filler'));

    const error = thrownBy(() => writeConnection(data, { ...connection, pid: 2 }));
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toBe(
      `The disk that holds ${data} is full, so Switchyard cannot save ${connectionFile(data)}. Free some space on it and start Switchyard again.`,
    );
    expect(readdirSync(data)).toEqual(['connection.json']);
    expect(readFileSync(connectionFile(data), 'utf8')).toBe(before);
  });

  it('a migration that runs out of room: DISK_FULL, and the database stays at its version', () => {
    const data = join(tinyDisk().path, 'data');
    const file = join(data, 'switchyard.db');
    const v1: Migration = { version: 1, up: (db) => db.exec('CREATE TABLE t (a BLOB)') };
    const big: Migration = { version: 2, up: (db) => db.prepare('INSERT INTO t VALUES (randomblob(?))').run(BIG_MIGRATION_BYTES) };
    openDatabase(file, { migrations: [v1] }).close();
    const filler = join(disk!.path, 'filler');
    const filled = fillDisk(filler);
    truncateSync(filler, filled - ROOM_FOR_SHM_BYTES);

    const error = thrownBy(() => openDatabase(file, { migrations: [v1, big] }));
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toContain(`The disk that holds ${data} is full, so Switchyard cannot open the database ${file}.`);

    truncateSync(filler, 0);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
  });

  it('switching an old rollback-journal database to WAL on a full disk: DISK_FULL, the file unchanged', () => {
    const data = join(tinyDisk().path, 'data');
    mkdirSync(data, { mode: 0o700 });
    const file = join(data, 'switchyard.db');
    const old = new Database(file);
    migrations.forEach((step) => step.up(old));
    old.pragma(`user_version = ${latestVersion()}`);
    old.close();
    const bytes = sha256(file);
    fillDisk(join(disk!.path, 'filler'));

    const error = thrownBy(() => openDatabase(file));
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toContain(`so Switchyard cannot open the database ${file}`);
    expect(sha256(file)).toBe(bytes);
  });
});
