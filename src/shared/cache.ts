import { z } from 'zod';

// The HTTP cache's commands: what a cached route holds and how well it
// answers, and dropping what it stored (one URL, a prefix, everything).

export interface CacheRouteStats {
  routeId: number;
  /** As routes are named to people (route-label.ts). */
  route: string;
  entries: number;
  /** Memory the entries take (bodies, header text and a little per entry), or with storage disk the bytes of their files. */
  bytes: number;
  storage: 'memory' | 'disk';
  /** Why the disk cache stores nothing new now ("disk cache unavailable: … what to do"); undefined while it works or in memory. */
  diskProblem?: string;
  /** Failed disk reads and writes and damaged files found, since the route's disk cache started (0 in memory). */
  diskFaults: number;
  /** Requests the cache answered by itself, and those it sent on (since the cache was switched on or Switchyard started). */
  hits: number;
  misses: number;
  /** hits / (hits + misses); null before the first request. */
  hitRatio: number | null;
}

export interface CachePurged {
  entries: number;
  bytes: number;
}

const maxUrlLength = 8192;
const urlSentence = 'Give a URL like http://api.localhost/users?page=2, or a path like /users (for any host).';

/** A URL with scheme and host, or a path starting with /: what the store's keys can be matched against. */
export const purgeTargetSchema = z
  .string({ error: urlSentence })
  .trim()
  .min(1, urlSentence)
  .max(maxUrlLength, `A URL is at most ${maxUrlLength} characters long.`)
  .refine((text) => {
    if (text.startsWith('/')) return true;
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, urlSentence);

export const cachePurgeSchema = z
  .strictObject({
    routeId: z.number({ error: 'A route id is a positive whole number.' }).int().positive().optional(),
    url: purgeTargetSchema.optional(),
    prefix: purgeTargetSchema.optional(),
  })
  .refine((input) => input.url === undefined || input.prefix === undefined, { message: 'Purge one URL or one prefix, not both.', path: ['prefix'] });
