import type Database from 'better-sqlite3';
import { SwitchyardError } from '../../../shared/errors';

export interface Migration {
  /** Becomes `PRAGMA user_version` once applied; numbered from 1 without gaps. */
  version: number;
  up: (db: Database.Database) => void;
  /**
   * The step rebuilds a table others reference (SQLite's "otherwise" ALTER
   * TABLE procedure, https://www.sqlite.org/lang_altertable.html): foreign
   * keys are switched off around its transaction, since dropping the old
   * table with them on would delete every row that references it (ON DELETE
   * CASCADE), and the pragma does nothing inside a transaction. The step is
   * committed only if foreign_key_check then finds nothing.
   */
  rebuildsTables?: boolean;
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
  {
    // UDP routes and TLS passthrough routes (udp://…, tls://… in host).
    // SQLite cannot change a CHECK constraint, so routes is rebuilt as its
    // documentation says: a new table with the wanted definition (the columns
    // of migrations 1, 2 and 5 in their order), every row copied with its id
    // (backends.route_id and events.route_id keep pointing at the same
    // routes), the old table dropped and the new one renamed. routes has no
    // index, trigger or view of its own to recreate (UNIQUE makes its
    // automatic index); backends' REFERENCES routes(id) names the table, so
    // it holds for the renamed one.
    version: 6,
    rebuildsTables: true,
    up: (db) =>
      db.exec(`
        CREATE TABLE routes_v6 (
          id         INTEGER PRIMARY KEY,
          host       TEXT    NOT NULL,
          path       TEXT    NOT NULL DEFAULT '/',
          algorithm  TEXT    NOT NULL DEFAULT 'round-robin',
          created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
          settings   TEXT    NOT NULL DEFAULT '{}',
          kind       TEXT    NOT NULL DEFAULT 'http' CHECK (kind IN ('http', 'tcp', 'udp', 'tls')),
          UNIQUE (host, path)
        );
        INSERT INTO routes_v6 (id, host, path, algorithm, created_at, settings, kind)
          SELECT id, host, path, algorithm, created_at, settings, kind FROM routes;
        DROP TABLE routes;
        ALTER TABLE routes_v6 RENAME TO routes;
      `),
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
    if (step.rebuildsTables) rebuild(db, file, step);
    else apply(db, step);
  }
  return latest;
}

function apply(db: Database.Database, step: Migration): void {
  db.transaction(() => {
    step.up(db);
    db.pragma(`user_version = ${step.version}`);
  })();
}

/**
 * Runs a table-rebuilding step with foreign keys off (see
 * Migration.rebuildsTables), then puts them back as they were. Rows that
 * already pointed at nothing before the step (only a hand edit with foreign
 * keys off makes them) do not block it; a step that adds any is undone.
 */
function rebuild(db: Database.Database, file: string, step: Migration): void {
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      const before = (db.pragma('foreign_key_check') as unknown[]).length;
      step.up(db);
      const broken = (db.pragma('foreign_key_check') as unknown[]).length - before;
      if (broken > 0) {
        throw new SwitchyardError(
          'DB_OPEN_FAILED',
          `Upgrading the database ${file} to schema ${step.version} would leave ${broken} row(s) pointing at nothing, so it was not done and the file is as it was. Go on with the previous Switchyard version and report this.`,
        );
      }
      db.pragma(`user_version = ${step.version}`);
    })();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}
