import { chmodSync, constants, copyFileSync, cpSync, existsSync, readdirSync, rmdirSync, rmSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SwitchyardError } from '../../shared/errors';
import { ensurePrivateDir } from '../core/store/data-dir-permissions';
import { planMigration, type DataDirContents } from './data-migration-plan';

// Moves Switchyard's data from a folder an older version used into the shared
// one (data-dir.ts), on first start. Copy, check, then keep the old folder as
// it was with a note in it: a failure at any step removes only what this
// copied, so the old data is never at risk and the next start tries again.

const databaseName = 'switchyard.db';
const certificatesDir = 'tls';
/** The access logs and the desktop app's preferences; connection.json stays behind: it names a process that has gone. */
const otherFiles = /^(?:access\.log(?:\.\d+)?|preferences\.json)$/;
/** Written into the old folder once its data has been copied out. */
export const movedNoteName = 'SWITCHYARD-DATA-MOVED.txt';
const privateFileMode = 0o600;

const sameFolder = (a: string, b: string): boolean => {
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
};

export function inspectDataDir(dir: string, target: string): DataDirContents {
  return {
    dir,
    hasDatabase: existsSync(join(dir, databaseName)),
    hasCertificates: existsSync(join(dir, certificatesDir)),
    isTarget: dir === target || sameFolder(dir, target),
  };
}

export type MigrationOutcome =
  | { kind: 'nothing' }
  /** `message` is for the user: where the data went and that the old copy is kept. */
  | { kind: 'moved'; from: string; to: string; message: string };

export interface MigrationOptions {
  /** better-sqlite3 built for the running ABI (the desktop app's). */
  nativeBinding?: string;
  now?: () => Date;
}

/**
 * Moves the first former folder's data into `target` when `target` has none;
 * throws DATA_MIGRATION_FAILED, with the old data untouched, when it cannot.
 */
export async function migrateFormerData(target: string, former: readonly string[], options: MigrationOptions = {}): Promise<MigrationOutcome> {
  const plan = planMigration(
    inspectDataDir(target, target),
    former.map((dir) => inspectDataDir(dir, target)),
  );
  if (plan.kind === 'nothing') return plan;
  if (plan.kind === 'blocked') throw failed(plan.from, plan.to, plan.reason);
  const created: string[] = [];
  const targetExisted = existsSync(plan.to);
  try {
    await copyData(plan.from, plan.to, created, options);
  } catch (error) {
    for (const path of created.reverse()) rmSync(path, { recursive: true, force: true });
    if (!targetExisted) removeIfEmpty(plan.to);
    throw failed(plan.from, plan.to, error instanceof SwitchyardError ? error.message : (error as Error).message);
  }
  const noted = writeNote(plan.from, plan.to, options.now?.() ?? new Date());
  const others = plan.leftAlone.length ? ` Older data in ${plan.leftAlone.join(', ')} was left as it was.` : '';
  return {
    kind: 'moved',
    from: plan.from,
    to: plan.to,
    message: `Switchyard moved its data from ${plan.from} to ${plan.to}, the folder the desktop app and the CLI now share. The old copy is kept in ${plan.from}${noted ? ` (see ${movedNoteName} there)` : ''}; delete it once you no longer need it.${others}`,
  };
}

const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

const failed = (from: string, to: string, reason: string) =>
  new SwitchyardError(
    'DATA_MIGRATION_FAILED',
    `Switchyard could not move its data from ${from} to ${to}: ${sentence(reason)} Your data is still in ${from}, unchanged. Fix the cause and start Switchyard again, or set SWITCHYARD_DATA_DIR=${from} to keep using the old folder.`,
  );

/** Certificates and logs first, the database last: its presence is what tells the next start that the move is done. */
async function copyData(from: string, to: string, created: string[], options: MigrationOptions): Promise<void> {
  ensurePrivateDir(to);
  if (existsSync(join(from, certificatesDir))) {
    created.push(join(to, certificatesDir));
    // fs.cp keeps each file's mode: the keys stay 0600 in their 0700 folders.
    cpSync(join(from, certificatesDir), join(to, certificatesDir), { recursive: true, errorOnExist: true, force: false });
  }
  for (const name of readdirSync(from).filter((entry) => otherFiles.test(entry))) {
    if (existsSync(join(to, name))) continue;
    created.push(join(to, name));
    copyFileSync(join(from, name), join(to, name), constants.COPYFILE_EXCL);
  }
  const copy = join(to, `${databaseName}.moving`);
  created.push(copy, `${copy}-wal`, `${copy}-shm`);
  await copyDatabase(join(from, databaseName), copy, options);
  created.push(join(to, databaseName));
  renameSync(copy, join(to, databaseName));
}

/** Counts of every table's rows and the schema version: equal in the copy, or the copy is not used. */
function fingerprint(db: Database.Database): string {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const counts = tables.map((table) => `${table}=${String(db.prepare(`SELECT count(*) FROM "${table.replaceAll('"', '""')}"`).pluck().get())}`);
  return [`user_version=${String(db.pragma('user_version', { simple: true }))}`, ...counts].join(' ');
}

/**
 * SQLite's online backup, not a file copy: it takes the committed state,
 * whatever is still in the -wal file included, as one consistent snapshot.
 */
async function copyDatabase(source: string, copy: string, options: MigrationOptions): Promise<void> {
  const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  const leftover = [`${source}-wal`, `${source}-shm`].filter((path) => !existsSync(path));
  let expected: string;
  const db = new Database(source, { ...binding, readonly: true, fileMustExist: true });
  try {
    expected = fingerprint(db);
    await db.backup(copy);
  } finally {
    db.close();
    // The read-only connection made these in the old folder, which is to stay as it was; an -shm is only an
    // index of the -wal, but a -wal with content would be another writer's commits (database.ts does the same).
    const wal = `${source}-wal`;
    if (!leftover.includes(wal) || !existsSync(wal) || statSync(wal).size === 0) for (const path of leftover) rmSync(path, { force: true });
  }
  chmodSync(copy, privateFileMode);
  const check = new Database(copy, { ...binding, readonly: true, fileMustExist: true });
  try {
    const verdict = String(check.pragma('quick_check(1)', { simple: true }));
    if (verdict !== 'ok') throw new Error(`The copy failed SQLite's quick_check: ${verdict}.`);
    const found = fingerprint(check);
    if (found !== expected) throw new Error(`The copy differs from the original (${found}; expected ${expected}).`);
  } finally {
    check.close();
  }
  rmSync(`${copy}-wal`, { force: true });
  rmSync(`${copy}-shm`, { force: true });
}

function writeNote(from: string, to: string, at: Date): boolean {
  try {
    writeFileSync(
      join(from, movedNoteName),
      `On ${at.toISOString()} Switchyard copied its data from this folder to\n\n  ${to}\n\nthe folder the desktop app and the \`switchyard\` CLI share. Switchyard no longer\nreads this folder; its files are kept as they were. Delete them once you no\nlonger need them.\n`,
      { mode: privateFileMode },
    );
    return true;
  } catch {
    // The move is done and verified; a note the old folder cannot take is not worth failing it.
    return false;
  }
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty or already gone: it was not ours to remove.
  }
}
