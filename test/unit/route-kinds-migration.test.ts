import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/core/store/database';
import { migrations } from '../../src/main/core/store/migrations';
import { RouteRepository } from '../../src/main/core/store/route-repository';
import { tempDir } from '../helpers/core';

// Migration 6 rebuilds the routes table so its kind column takes 'udp' and
// 'tls'. A rebuild done with foreign keys on would drop every backend with
// the old table (ON DELETE CASCADE); these tests open a database written at
// version 5 and look for every row, index and constraint it had.

const dirs: { remove(): void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

function versionFiveDatabase(): string {
  const dir = tempDir();
  dirs.push(dir);
  const file = join(dir.path, 'switchyard.db');
  const db = openDatabase(file, { migrations: migrations.filter((m) => m.version <= 5) });
  const route = db.prepare("INSERT INTO routes (id, host, path, algorithm, created_at, settings, kind) VALUES (?, ?, ?, ?, ?, ?, ?)");
  route.run(7, 'api.localhost', '/v1', 'least-connections', '2026-01-02T03:04:05.678Z', '{"retries":1}', 'http');
  route.run(9, 'tcp://127.0.0.1:15432', '/', 'round-robin', '2026-02-03T04:05:06.789Z', '{"healthCheck":"off"}', 'tcp');
  const backend = db.prepare('INSERT INTO backends (id, route_id, url, weight, enabled, draining, health) VALUES (?, ?, ?, ?, ?, ?, ?)');
  backend.run(3, 7, 'http://127.0.0.1:3000', 5, 1, 1, '{"healthPath":"/up"}');
  backend.run(4, 7, 'http://127.0.0.1:3001', 1, 0, 0, '{}');
  backend.run(5, 9, 'tcp://127.0.0.1:5432', 1, 1, 0, '{}');
  db.prepare("INSERT INTO events (at, route_id, backend_id, kind, message) VALUES ('2026-01-01T00:00:00Z', 7, 3, 'backend.down', 'down')").run();
  expect(db.pragma('user_version', { simple: true })).toBe(5);
  db.close();
  return file;
}

const rows = (db: ReturnType<typeof openDatabase>, sql: string) => db.prepare(sql).all();

describe('migration 6: route kinds udp and tls', () => {
  it('keeps every route, backend and event of a version-5 database, with their ids', () => {
    const file = versionFiveDatabase();
    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(6);
      expect(rows(db, 'SELECT id, host, path, algorithm, created_at, settings, kind FROM routes ORDER BY id')).toEqual([
        { id: 7, host: 'api.localhost', path: '/v1', algorithm: 'least-connections', created_at: '2026-01-02T03:04:05.678Z', settings: '{"retries":1}', kind: 'http' },
        { id: 9, host: 'tcp://127.0.0.1:15432', path: '/', algorithm: 'round-robin', created_at: '2026-02-03T04:05:06.789Z', settings: '{"healthCheck":"off"}', kind: 'tcp' },
      ]);
      expect(rows(db, 'SELECT id, route_id, url, weight, enabled, draining, health FROM backends ORDER BY id')).toEqual([
        { id: 3, route_id: 7, url: 'http://127.0.0.1:3000', weight: 5, enabled: 1, draining: 1, health: '{"healthPath":"/up"}' },
        { id: 4, route_id: 7, url: 'http://127.0.0.1:3001', weight: 1, enabled: 0, draining: 0, health: '{}' },
        { id: 5, route_id: 9, url: 'tcp://127.0.0.1:5432', weight: 1, enabled: 1, draining: 0, health: '{}' },
      ]);
      expect(rows(db, 'SELECT route_id, backend_id, kind FROM events')).toEqual([{ route_id: 7, backend_id: 3, kind: 'backend.down' }]);
      expect(new RouteRepository(db).list().map((r) => [r.id, r.kind, r.backends.length])).toEqual([
        [7, 'http', 2],
        [9, 'tcp', 1],
      ]);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('takes udp and tls kinds and still enforces what the old table did', () => {
    const db = openDatabase(versionFiveDatabase());
    try {
      const insert = db.prepare("INSERT INTO routes (host, kind) VALUES (?, ?)");
      insert.run('udp://127.0.0.1:15353', 'udp');
      insert.run('tls://127.0.0.1:15443', 'tls');
      expect(() => insert.run('quic://127.0.0.1:1', 'quic')).toThrow(/CHECK constraint failed/);
      // UNIQUE (host, path), the defaults, and the index on backends all survive.
      expect(() => insert.run('udp://127.0.0.1:15353', 'udp')).toThrow(/UNIQUE constraint failed/);
      expect(rows(db, "SELECT path, algorithm, settings FROM routes WHERE kind = 'udp'")).toEqual([{ path: '/', algorithm: 'round-robin', settings: '{}' }]);
      expect(rows(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'backends_route'")).toHaveLength(1);
      // backends still reference routes: a backend of no route is refused, and removing a route removes its backends.
      expect(() => db.prepare("INSERT INTO backends (route_id, url) VALUES (999, 'http://127.0.0.1:1')").run()).toThrow(/FOREIGN KEY constraint failed/);
      db.prepare('DELETE FROM routes WHERE id = 7').run();
      expect(rows(db, 'SELECT id FROM backends ORDER BY id')).toEqual([{ id: 5 }]);
    } finally {
      db.close();
    }
  });
});
