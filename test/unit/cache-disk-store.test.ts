import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheEntry, DiskBody, EntryWithoutBody } from '../../src/main/core/engine/cache/cache-store';
import { DiskFaults, faultLogIntervalMs } from '../../src/main/core/engine/cache/disk-faults';
import { DiskStore } from '../../src/main/core/engine/cache/disk-store';
import { tempDir } from '../helpers/core';

// The disk store's own limits on real files: the index's memory cap, and
// the fault log's one line a minute.

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

const mb = 1024 * 1024;
const headerBytes = 1024;
const indexCapBytes = 8 * 1024;

function entry(key: string): EntryWithoutBody {
  return {
    routeId: 1,
    key,
    scheme: 'http',
    status: 200,
    reason: undefined,
    headers: ['X-Padding', 'p'.repeat(headerBytes)],
    varyNames: [],
    varyValues: [],
    directives: new Map(),
    lifetimeSeconds: 60,
    times: { requestTimeMs: 0, responseTimeMs: 0, dateSeconds: undefined, ageSeconds: 0 },
    etag: undefined,
    lastModified: undefined,
  };
}

function store(indexCap?: number): { store: DiskStore; lines: string[] } {
  const dir = tempDir();
  dirs.push(dir);
  const lines: string[] = [];
  const faults = new DiskFaults(() => 'idx.localhost', (line) => lines.push(line));
  return { store: new DiskStore(1, dir.path, 64 * mb, faults, indexCap), lines };
}

function put(target: DiskStore, key: string): void {
  const fill = target.openFill();
  if (typeof fill === 'string') throw new Error(fill);
  fill.write(Buffer.from('body'));
  fill.commit(entry(key));
}

describe('disk cache store', () => {
  it('keeps the index under its memory cap: the least recently used entries go, files and all', () => {
    const { store: target } = store(indexCapBytes);
    for (let i = 0; i < 20; i += 1) put(target, `idx.localhost/${i}`);
    const kept = target.usageOf().entries;
    // Each entry costs its header text plus overhead: a 8 KB cap holds a handful, not twenty.
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(8);
    expect(target.variants('idx.localhost/0')).toBeUndefined();
    expect(target.variants('idx.localhost/19')).toHaveLength(1);
    const files = [0, 19].map((i) => target.fileFor(entry(`idx.localhost/${i}`)));
    expect(existsSync(files[0]!)).toBe(false);
    expect(existsSync(files[1]!)).toBe(true);
    const kept19 = target.variants('idx.localhost/19')![0] as CacheEntry;
    expect((kept19.body as DiskBody).file).toBe(files[1]);
  });

  it('logs a fault at most once a minute per route, saying how many were not logged', () => {
    let now = 0;
    const lines: string[] = [];
    const faults = new DiskFaults(() => 'api.localhost', (line) => lines.push(line), () => now);
    faults.writeFailed('disk cache unavailable: full');
    faults.readFailed('a file was damaged');
    now += faultLogIntervalMs - 1;
    faults.writeFailed('disk cache unavailable: full');
    expect(lines).toEqual(['cache of api.localhost: disk cache unavailable: full']);
    now += 1;
    faults.writeFailed('disk cache unavailable: full');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('cache of api.localhost: disk cache unavailable: full (2 more since the last such line)');
    expect(faults.count).toBe(4);
    expect(faults.problem).toBe('disk cache unavailable: full');
    faults.wrote();
    expect(faults.problem).toBeUndefined();
  });
});
