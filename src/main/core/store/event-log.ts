import type Database from 'better-sqlite3';
import type { TimelineEntry, TimelineKind } from '../../../shared/events';

/** The timeline keeps this many entries; older ones are dropped as new ones arrive. */
export const timelineLimit = 10_000;

interface Row {
  id: number;
  at: string;
  route_id: number | null;
  backend_id: number | null;
  kind: TimelineKind;
  message: string;
}

const toEntry = (row: Row): TimelineEntry => ({
  id: row.id,
  at: row.at,
  routeId: row.route_id,
  backendId: row.backend_id,
  kind: row.kind,
  message: row.message,
});

/** Health and config events, persisted and bounded, newest first on read. */
export class EventLog {
  private readonly insert;
  private readonly trim;
  private readonly byRoute;
  private readonly all;

  constructor(private readonly db: Database.Database, private readonly limit = timelineLimit) {
    this.insert = db.prepare<[string, number | null, number | null, string, string], void>(
      'INSERT INTO events (at, route_id, backend_id, kind, message) VALUES (?, ?, ?, ?, ?)',
    );
    this.trim = db.prepare<[number], void>('DELETE FROM events WHERE id <= ?');
    this.byRoute = db.prepare<[number, number], Row>('SELECT * FROM events WHERE route_id = ? ORDER BY id DESC LIMIT ?');
    this.all = db.prepare<[number], Row>('SELECT * FROM events ORDER BY id DESC LIMIT ?');
  }

  append(kind: TimelineKind, message: string, routeId: number | null = null, backendId: number | null = null, at = new Date().toISOString()): TimelineEntry {
    return this.db.transaction(() => {
      const id = Number(this.insert.run(at, routeId, backendId, kind, message).lastInsertRowid);
      if (id > this.limit) this.trim.run(id - this.limit);
      return { id, at, routeId, backendId, kind, message };
    })();
  }

  list(routeId: number | undefined, limit: number): TimelineEntry[] {
    return (routeId === undefined ? this.all.all(limit) : this.byRoute.all(routeId, limit)).map(toEntry);
  }
}
