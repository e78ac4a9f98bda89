import { describe, expect, it } from 'vitest';
import type { CacheRouteStats } from '../../src/shared/cache';
import { formatCacheStats } from '../../src/main/headless/cache-cli';

// `switchyard cache stats` for routes cached on disk: the size says where it
// is, and a disk that refuses is said under the table with what to do.

const base: CacheRouteStats = { routeId: 1, route: 'mem.localhost', entries: 2, bytes: 2048, hits: 1, misses: 1, hitRatio: 0.5, storage: 'memory', diskFaults: 0 };

describe('formatCacheStats', () => {
  it('marks a disk route\'s size "on disk" and prints its problem under the table', () => {
    const problem = 'disk cache unavailable: /data/cache/2 is on a read-only filesystem. Remount it read-write, or set the route\'s cacheStorage to memory; requests go to the backends uncached meanwhile.';
    const text = formatCacheStats([base, { ...base, routeId: 2, route: 'disk.localhost', storage: 'disk', bytes: 3 * 1024 * 1024, diskProblem: problem, diskFaults: 3 }]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ROUTE\s+ENTRIES\s+SIZE\s+HITS\s+MISSES\s+HIT RATIO$/);
    expect(lines[1]).toMatch(/^mem\.localhost\s+2\s+2\.0 KiB\s+1\s+1\s+50\.0%$/);
    expect(lines[2]).toMatch(/^disk\.localhost\s+2\s+3\.0 MiB on disk\s+1\s+1\s+50\.0%$/);
    expect(lines[3]).toBe(`disk.localhost: ${problem}`);
    expect(lines).toHaveLength(4);
  });
});
