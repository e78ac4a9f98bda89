import { existsSync } from 'node:fs';
import { join } from 'node:path';

// better-sqlite3 for Electron's ABI. A packaged app has it rebuilt for
// Electron by electron-builder and unpacked from the asar (electron-builder.yml
// asarUnpack: a .node file cannot be loaded from inside an archive), so it is
// found beside app.asar under resources/; a checkout keeps it apart from the
// Node build the tests use, in build/electron-native/ (scripts/electron-native.mjs).

export interface AppPlace {
  isPackaged: boolean;
  /** process.resourcesPath: the folder holding app.asar and app.asar.unpacked. */
  resourcesPath: string;
  /** app.getAppPath(): the checkout when run from source. */
  appPath: string;
}

export const packagedBinding = (resourcesPath: string) =>
  join(resourcesPath, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

export const checkoutBinding = (appPath: string) => join(appPath, 'build', 'electron-native', 'better_sqlite3.node');

/** The binding to load, or undefined for better-sqlite3's own lookup (which then fails with its own message). */
export function electronSqliteBinding(place: AppPlace, exists: (path: string) => boolean = existsSync): string | undefined {
  const path = place.isPackaged ? packagedBinding(place.resourcesPath) : checkoutBinding(place.appPath);
  return exists(path) ? path : undefined;
}
