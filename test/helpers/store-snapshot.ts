import Database from 'better-sqlite3';

/**
 * Reads the store the way an outsider would: a second, read-only connection
 * to the database file. `snapshot()` is the whole database image
 * (sqlite3_serialize, read inside one read transaction, so committed WAL
 * frames are included): equal snapshots mean byte-for-byte equal contents.
 */
export class StoreReader {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
  }

  snapshot(): Buffer {
    return this.db.serialize();
  }

  close(): void {
    this.db.close();
  }
}
