import type Database from 'better-sqlite3';
import { SwitchyardError } from '../../../shared/errors';

export interface Migration {
  /** Becomes `PRAGMA user_version` once applied; numbered from 1 without gaps. */
  version: number;
  up: (db: Database.Database) => void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    up: (db) => {
      db.exec(`
        CREATE TABLE routes (
          id         INTEGER PRIMARY KEY,
          host       TEXT    NOT NULL,
          path       TEXT    NOT NULL DEFAULT '/',
          algorithm  TEXT    NOT NULL DEFAULT 'round-robin',
          created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
          UNIQUE (host, path)
        );
        CREATE TABLE backends (
          id       INTEGER PRIMARY KEY,
          route_id INTEGER NOT NULL REFERENCES routes(id) ON DELETE CASCADE,
          url      TEXT    NOT NULL,
          weight   INTEGER NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000),
          enabled  INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
          UNIQUE (route_id, url)
        );
        CREATE INDEX backends_route ON backends(route_id);
      `);
    },
  },
  {
    // Per-route settings as JSON parsed through routeSettingsSchema on read,
    // so later settings arrive with their defaults and need no migration.
    version: 2,
    up: (db) => db.exec(`ALTER TABLE routes ADD COLUMN settings TEXT NOT NULL DEFAULT '{}'`),
  },
  {
    // Draining and per-backend health overrides survive restarts; the timeline of health and config events
    // is bounded (see EventLog) and outlives routes and backends it names.
    version: 3,
    up: (db) =>
      db.exec(`
        ALTER TABLE backends ADD COLUMN draining INTEGER NOT NULL DEFAULT 0 CHECK (draining IN (0, 1));
        ALTER TABLE backends ADD COLUMN health TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE events (
          id         INTEGER PRIMARY KEY,
          at         TEXT    NOT NULL,
          route_id   INTEGER,
          backend_id INTEGER,
          kind       TEXT    NOT NULL,
          message    TEXT    NOT NULL
        );
        CREATE INDEX events_route ON events(route_id, id);
      `),
  },
  {
    // App-wide settings (the proxy's listener limits) as one JSON document in
    // a one-row table, parsed through proxySettingsSchema on read.
    version: 4,
    up: (db) =>
      db.exec(`
        CREATE TABLE app_settings (
          id       INTEGER PRIMARY KEY CHECK (id = 1),
          settings TEXT    NOT NULL DEFAULT '{}'
        );
        INSERT INTO app_settings (id) VALUES (1);
      `),
  },
  {
    // Route kinds: every route so far routed HTTP by host. A TCP route's host
    // column holds its listen URL (tcp://127.0.0.1:15432), so UNIQUE (host,
    // path) also keeps two TCP routes off one address and port.
    version: 5,
    up: (db) => db.exec(`ALTER TABLE routes ADD COLUMN kind TEXT NOT NULL DEFAULT 'http' CHECK (kind IN ('http', 'tcp'))`),
  },
];

export const latestVersion = (steps: Migration[] = migrations): number => (steps.length === 0 ? 0 : steps[steps.length - 1]!.version);

/** A schema this version does not know is never touched: its meaning is a newer Switchyard's. */
export function refuseNewerSchema(current: number, latest: number, file: string): void {
  if (current <= latest) return;
  throw new SwitchyardError(
    'DB_NEWER_VERSION',
    `The database ${file} was written by a newer version of Switchyard (schema ${current}, this version knows up to ${latest}). Update Switchyard, or start it with another --data-dir; the file was left untouched.`,
  );
}

/**
 * Brings the database to the newest schema, each step in its own transaction
 * so a failed step leaves the file at the previous version.
 */
export function migrate(db: Database.Database, file: string, steps: Migration[] = migrations): number {
  const latest = latestVersion(steps);
  const current = db.pragma('user_version', { simple: true }) as number;
  refuseNewerSchema(current, latest, file);
  for (const step of steps) {
    if (step.version <= current) continue;
    db.transaction(() => {
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    })();
  }
  return latest;
}
