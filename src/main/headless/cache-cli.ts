import type { CacheRouteStats } from '../../shared/cache';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import { table } from './cli-format';

// `switchyard cache stats|purge`: the HTTP cache's commands from a shell.

export const cacheUsage = `  cache stats [--json]                     per route with the cache on: responses stored, memory, hits, misses, hit ratio
  cache purge [--route HOST[/PATH]] [URL | --prefix P]
                                           drop one URL (http://host/path or /path for any host), every URL
                                           under a prefix, or everything (of one route, or of all)`;

type Call = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<CommandResult<N>>;

export interface CacheValues {
  json?: boolean;
  prefix?: string;
  route?: string;
  path?: string;
}

const kib = 1024;
const mib = kib * kib;
const percent = 100;

function formatBytes(bytes: number): string {
  if (bytes >= mib) return `${(bytes / mib).toFixed(1)} MiB`;
  if (bytes >= kib) return `${(bytes / kib).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function formatCacheStats(stats: CacheRouteStats[]): string {
  if (stats.length === 0) return 'No route has the cache on. Switch it on with `switchyard route set HOST --set cache=on`.';
  const rows = table([
    ['ROUTE', 'ENTRIES', 'SIZE', 'HITS', 'MISSES', 'HIT RATIO'],
    ...stats.map((s) => [
      s.route,
      String(s.entries),
      s.storage === 'disk' ? `${formatBytes(s.bytes)} on disk` : formatBytes(s.bytes),
      String(s.hits),
      String(s.misses),
      s.hitRatio === null ? '-' : `${(s.hitRatio * percent).toFixed(1)}%`,
    ]),
  ]);
  // A disk that refuses is said under the table, in the words that say what to do.
  const problems = stats.filter((s) => s.diskProblem !== undefined).map((s) => `\n${s.route}: ${s.diskProblem}`);
  return rows + problems.join('');
}

/** Runs `cache ACTION ...`; `routeId` finds --route's id; `usage` builds the error for a wrong shape (exit 2). */
export async function cacheCommand(
  action: string | undefined,
  rest: string[],
  values: CacheValues,
  call: Call,
  out: (text: string) => void,
  routeId: (arg: string) => Promise<number>,
  usage: (shape: string) => Error,
): Promise<number> {
  if (action === 'stats') {
    if (rest.length || values.prefix !== undefined) throw usage('cache stats [--json]');
    const stats = await call('cache.stats', {});
    out(values.json ? JSON.stringify(stats, null, 2) : formatCacheStats(stats));
    return 0;
  }
  if (action === 'purge') {
    if (rest.length > 1 || (rest.length === 1 && values.prefix !== undefined)) throw usage('cache purge [--route HOST[/PATH]] [URL | --prefix P]');
    const input: CommandInput<'cache.purge'> = {};
    if (values.route !== undefined) input.routeId = await routeId(values.route);
    if (rest[0] !== undefined) input.url = rest[0];
    if (values.prefix !== undefined) input.prefix = values.prefix;
    const purged = await call('cache.purge', input);
    if (values.json) out(JSON.stringify(purged, null, 2));
    else out(`Purged ${purged.entries} stored response${purged.entries === 1 ? '' : 's'} (${formatBytes(purged.bytes)}).`);
    return 0;
  }
  throw usage('cache stats [--json] | cache purge [--route HOST[/PATH]] [URL | --prefix P]');
}
