import { describe, expect, it } from 'vitest';
import { defaultDataDir, formerDataDirs, isDefaultDataDir, resolveDataDir } from '../../src/main/headless/data-dir';
import { planMigration, type DataDirContents } from '../../src/main/headless/data-migration-plan';

describe('the one default data folder of the app and the CLI', () => {
  it('is the XDG data home on Linux, ignoring a relative XDG_DATA_HOME as the spec says', () => {
    expect(defaultDataDir({ platform: 'linux', env: {}, home: '/home/ann' })).toBe('/home/ann/.local/share/switchyard');
    expect(defaultDataDir({ platform: 'linux', env: { XDG_DATA_HOME: '/data' }, home: '/home/ann' })).toBe('/data/switchyard');
    expect(defaultDataDir({ platform: 'linux', env: { XDG_DATA_HOME: 'rel' }, home: '/home/ann' })).toBe('/home/ann/.local/share/switchyard');
  });

  it("is Application Support on macOS and the local (not roaming) AppData on Windows", () => {
    expect(defaultDataDir({ platform: 'darwin', env: {}, home: '/Users/ann' })).toBe('/Users/ann/Library/Application Support/Switchyard');
    expect(defaultDataDir({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, home: 'C:\\Users\\ann' })).toBe(
      'C:\\Users\\ann\\AppData\\Local\\Switchyard',
    );
    expect(defaultDataDir({ platform: 'win32', env: {}, home: 'C:\\Users\\ann' })).toBe('C:\\Users\\ann\\AppData\\Local\\Switchyard');
  });

  it('gives way to --data-dir and SWITCHYARD_DATA_DIR, and only the default takes in former data', () => {
    expect(resolveDataDir('/d', { SWITCHYARD_DATA_DIR: '/e' })).toBe('/d');
    expect(resolveDataDir(undefined, { SWITCHYARD_DATA_DIR: '/e' })).toBe('/e');
    expect(isDefaultDataDir(undefined, {})).toBe(true);
    expect(isDefaultDataDir('/d', {})).toBe(false);
    expect(isDefaultDataDir(undefined, { SWITCHYARD_DATA_DIR: '/e' })).toBe(false);
  });

  it("lists the app's Electron folder, and on macOS and Windows the CLI's former XDG folder", () => {
    const linux = { platform: 'linux', env: {}, home: '/home/ann' } as const;
    expect(formerDataDirs(['/home/ann/.config/Switchyard', '/home/ann/.config/switchyard'], linux)).toEqual(['/home/ann/.config/Switchyard', '/home/ann/.config/switchyard']);
    expect(formerDataDirs(['/home/ann/.config/switchyard', '/home/ann/.config/switchyard'], linux)).toEqual(['/home/ann/.config/switchyard']);
    expect(formerDataDirs([], linux)).toEqual([]);
    expect(formerDataDirs(['/Users/ann/Library/Application Support/switchyard'], { platform: 'darwin', env: {}, home: '/Users/ann' })).toEqual([
      '/Users/ann/Library/Application Support/switchyard',
      '/Users/ann/.local/share/switchyard',
    ]);
  });
});

const folder = (dir: string, has: Partial<DataDirContents> = {}): DataDirContents => ({
  dir,
  hasDatabase: false,
  hasCertificates: false,
  isTarget: false,
  ...has,
});

describe('whether to move former data', () => {
  it('moves from the first former folder with a database into a target without one, naming the others it leaves', () => {
    expect(
      planMigration(folder('/new'), [folder('/empty'), folder('/app', { hasDatabase: true, hasCertificates: true }), folder('/cli', { hasDatabase: true })]),
    ).toEqual({ kind: 'move', from: '/app', to: '/new', leftAlone: ['/cli'] });
  });

  it('never moves into a folder that has a database, nor from the target itself', () => {
    expect(planMigration(folder('/new', { hasDatabase: true }), [folder('/app', { hasDatabase: true })]).kind).toBe('nothing');
    expect(planMigration(folder('/new'), [folder('/New', { hasDatabase: true, isTarget: true })]).kind).toBe('nothing');
    expect(planMigration(folder('/new'), [folder('/app', { hasCertificates: true })]).kind).toBe('nothing');
  });

  it('refuses to choose between two CAs: a target with tls/ but no database blocks the move', () => {
    const plan = planMigration(folder('/new', { hasCertificates: true }), [folder('/app', { hasDatabase: true, hasCertificates: true })]);
    expect(plan.kind).toBe('blocked');
  });
});
