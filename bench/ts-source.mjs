// Loads Switchyard's TypeScript source into a bench script, for the floors
// that measure a piece of the engine alone (bench/http-floor.mjs): each .ts
// file is transpiled on require by TypeScript, one file at a time as the
// build does (its const enums stay objects, as in the bundle), with no
// type check.
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';

const repoDir = join(new URL('.', import.meta.url).pathname, '..');
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  isolatedModules: true,
  preserveConstEnums: true,
  useDefineForClassFields: true,
};

// Registering the extension also lets require() resolve the source's extension-less relative imports to .ts files.
Module._extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};

const require = createRequire(join(repoDir, 'package.json'));

/** The exports of a source file, by its path from the repository's root. */
export function requireSource(path) {
  return require(join(repoDir, path));
}
