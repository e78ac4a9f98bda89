import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

// The core and the contract must run under plain Node (headless shell, tests).
describe('core independence', () => {
  for (const dir of ['src/main/core', 'src/shared', 'src/main/headless']) {
    it(`no file under ${dir} imports electron`, () => {
      const files = sourceFiles(join(root, dir));
      expect(files.length).toBeGreaterThan(0);
      const offenders = files.filter((file) =>
        /(?:from\s+|require\(\s*|import\(\s*)['"]electron(?:\/[^'"]*)?['"]/.test(readFileSync(file, 'utf8')),
      );
      expect(offenders).toEqual([]);
    });
  }

  it('the detector catches an electron import', () => {
    expect(/(?:from\s+|require\(\s*|import\(\s*)['"]electron(?:\/[^'"]*)?['"]/.test("import { app } from 'electron';")).toBe(true);
  });
});
