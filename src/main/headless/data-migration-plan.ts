// Whether to move Switchyard's data into the shared folder on first start: a
// pure decision over what each folder holds (data-migration.ts looks and acts).

/** What one folder holds of Switchyard's own data. */
export interface DataDirContents {
  dir: string;
  /** switchyard.db exists: the routes, the settings and the event log. */
  hasDatabase: boolean;
  /** tls/ exists: the local CA's keys. */
  hasCertificates: boolean;
  /** It is the target folder itself under another name (a case-insensitive disk, a symlink). */
  isTarget: boolean;
}

export type MigrationPlan =
  | { kind: 'nothing'; reason: string }
  | { kind: 'move'; from: string; to: string; /** Other old folders with a database, left as they are. */ leftAlone: string[] }
  | { kind: 'blocked'; from: string; to: string; reason: string };

const holdsData = (contents: DataDirContents) => contents.hasDatabase;

/**
 * Moves only into a folder without a database (one the user already runs is
 * never overwritten), from the first old folder, in the order given, that has
 * one. A target with a CA but no database is left to the user: copying the old
 * CA over it, or keeping it beside the old routes, would each lose something.
 */
export function planMigration(target: DataDirContents, former: readonly DataDirContents[]): MigrationPlan {
  if (target.hasDatabase) return { kind: 'nothing', reason: `${target.dir} already holds a database.` };
  const sources = former.filter((contents) => !contents.isTarget && holdsData(contents));
  const [source, ...others] = sources;
  if (!source) return { kind: 'nothing', reason: 'No older folder holds a Switchyard database.' };
  if (target.hasCertificates) {
    return {
      kind: 'blocked',
      from: source.dir,
      to: target.dir,
      reason: `${target.dir} has a local CA (tls/) but no database, and ${source.dir} has both, so neither can be moved over the other without losing one CA. Move the one you want to keep into ${target.dir} by hand, or start with --data-dir ${source.dir}.`,
    };
  }
  return { kind: 'move', from: source.dir, to: target.dir, leftAlone: others.map((contents) => contents.dir) };
}
