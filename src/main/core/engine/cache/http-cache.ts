import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from '../../../../shared/model';
import { routeLabel } from '../../../../shared/route-label';
import type { RequestMessage, ResponseListener, ResponseMessage } from '../http/message';
import { parseCacheControl } from './cache-control';
import { cacheStatus, type CacheStatusParts, type Forward } from './cache-status';
import { CacheStore, isOnDisk, type CacheEntry, type EntryStore } from './cache-store';
import { sendDiskBody } from './disk-body';
import { DiskFaults, type FaultLog } from './disk-faults';
import { DiskStore } from './disk-store';
import { CachingResponse, type CacheOutcome, type CacheSeam, type SeamOptions } from './caching-response';
import { DiscardResponse } from './discard-response';
import { currentAge } from './freshness';
import { reuse } from './reuse';
import { varyMatches } from './vary';

// The HTTP cache (RFC 9111, as a shared cache), one per engine: in memory,
// or for routes that ask for it on disk under the data directory
// (disk-store.ts), one folder per route.
// The decisions are pure functions beside this file (storable, freshness,
// reuse, vary); this file keeps the store, answers hits, makes concurrent
// misses for one URL wait for one backend request (nginx's
// proxy_cache_lock), and hands every other request to the exchange through
// a CachingResponse, which stores what streams through it.

/** nginx's proxy_cache_lock_timeout: a request waits at most this long for another one's response, then goes to the backend itself. */
export const lockTimeoutMs = 5_000;

/** Methods that change nothing (RFC 9110 §9.2.1): others invalidate what is stored for their URL (RFC 9111 §4.4). */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** The route as the cache reads it. */
export interface CachedRoute {
  id: number;
  settings: { serveStaleWhenDown: boolean };
}

/** Forwards the request to a backend, writing the answer into `res` (the seam is `res` seen as the cache). */
export type ForwardRequest = (res: ResponseMessage, seam: CacheSeam) => void;
/** The cache answered by itself: for the traffic record and counters. */
export type CacheAnswered = (status: number, outcome: CacheOutcome, statusValue: string) => void;

const bytesPerMb = 1024 * 1024;

/** Where disk caches live (<dataDir>/cache) and where their faults are logged. */
export interface DiskCacheOptions {
  dir: string;
  log: FaultLog;
}

/** How a stored response is sent when it is not simply written at once (a body on disk). */
export interface ServeHooks {
  /** The head went out: the Cache-Status value sent. */
  served?: (statusValue: string) => void;
  /** The entry's file could not be used before anything was sent; it is gone from the store. */
  unreadable?: (why: string) => void;
  /** Where the response's drain and close are heard, when something else listens to `res` already. */
  listen?: (listener: ResponseListener) => void;
}

interface Waiter {
  retry(mayWait: boolean): void;
}

export interface CacheStats {
  routeId: number;
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  storage: 'memory' | 'disk';
  /** Why the disk cache stores nothing new now, in words that say what to do; undefined when it works. */
  diskProblem: string | undefined;
  /** Failed disk reads and writes and damaged files, since the route's disk cache started. */
  diskFaults: number;
}

export interface PurgeFilter {
  routeId?: number;
  /** A URL (`http://api.localhost/users`) or a path (`/users`, any host). */
  url?: string;
  /** The same, as a prefix. */
  prefix?: string;
}

/** A purge's URL or prefix as the store's keys are written: `host/path?query`, or just the path part for any host. */
function keyPattern(text: string): { host: string | undefined; path: string } {
  if (text.startsWith('/')) return { host: undefined, path: text };
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  return { host: url.hostname, path: `${url.pathname}${url.search}` };
}

const pathOf = (key: string) => key.slice(key.indexOf('/'));
const hostOf = (key: string) => key.slice(0, key.indexOf('/'));

/** RFC 9110 §13.1.2 If-None-Match, weak comparison: does the list name this ETag? */
function etagListed(list: string, etag: string): boolean {
  if (list.trim() === '*') return true;
  const weakless = (tag: string) => tag.trim().replace(/^W\//, '');
  return list.split(',').some((tag) => weakless(tag) === weakless(etag));
}

export class HttpCache {
  readonly store: CacheStore;
  /** Keys with a fill under way, and who waits for it (nginx's proxy_cache_lock). */
  private readonly locks = new Map<string, Waiter[]>();
  private readonly counters = new Map<number, { hits: number; misses: number }>();
  /** Routes whose cache is on disk, by route id. */
  private readonly disks = new Map<number, DiskStore>();
  /** Each disk route's name as the log says it, kept current as routes change. */
  private readonly labels = new Map<number, string>();
  /** Folders under the disk cache's root not belonging to a route are removed once, at the first config. */
  private orphansRemoved = false;

  constructor(
    store = new CacheStore(),
    readonly now: () => number = Date.now,
    private readonly disk: DiskCacheOptions | undefined = undefined,
  ) {
    this.store = store;
  }

  /** Where a route's entries are: its disk store, or the shared memory store. */
  storeOf(routeId: number): EntryStore {
    return this.disks.get(routeId) ?? this.store;
  }

  /**
   * A request on a route with the cache on: answered from the store, or
   * forwarded with a seam that stores, revalidates or invalidates.
   */
  handle(
    req: RequestMessage,
    res: ResponseMessage,
    route: CachedRoute,
    forward: ForwardRequest,
    answered: CacheAnswered,
    collapsed = false,
    mayWait = true,
    missNote: string | undefined = undefined,
  ): void {
    const scheme = req.listener.scheme;
    const key = `${req.host}${req.url}`;
    const lockKey = `${scheme}://${key}`;
    const requestDirectives = parseCacheControl(req.header('cache-control'));
    const options: SeamOptions = {
      mode: 'pass',
      fwd: 'method',
      detail: missNote,
      collapsed,
      key,
      lockKey,
      ownsLock: false,
      stored: undefined,
      requestDirectives,
      routeId: route.id,
      serveStaleWhenDown: route.settings.serveStaleWhenDown,
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      options.mode = safeMethods.has(req.method) ? 'pass' : 'invalidate';
      return this.forwardWith(req, res, options, forward);
    }
    const counters = this.countersOf(route.id);
    const variants = this.storeOf(route.id).variants(key);
    const found = variants?.find((entry) => entry.scheme === scheme && varyMatches(entry.varyNames, entry.varyValues, req));
    // The scheme is part of the URI: only a response stored for this one and another Vary value is a vary-miss.
    let fwd: Forward = variants?.some((entry) => entry.scheme === scheme) ? 'vary-miss' : 'uri-miss';
    if (found) {
      const now = this.now();
      const age = currentAge(found.times, now);
      const decision = reuse(found, age, requestDirectives);
      if (decision.use === 'hit') {
        this.serve(
          req,
          res,
          found,
          { hit: true, ttl: decision.ttl, collapsed, detail: decision.detail },
          {
            served: (value) => {
              counters.hits += 1;
              answered(found.status, 'hit', value);
              if (decision.revalidateInBackground && !this.locks.has(lockKey)) this.revalidateInBackground(req, found, options, forward);
            },
            // The file is gone from the store: asked again, the request is a miss that says why.
            unreadable: (why) => this.handle(req, res, route, forward, answered, collapsed, mayWait, `the stored copy on disk ${why}, so it was removed`),
          },
        );
        return;
      }
      fwd = decision.fwd;
      options.detail = decision.detail;
      options.stored = found;
    }
    counters.misses += 1;
    options.fwd = fwd;
    if (requestDirectives.has('only-if-cached')) {
      // §5.2.1.7: nothing usable is stored, and the client asked not to go further.
      const value = cacheStatus({ fwd, detail: 'the request has only-if-cached and nothing usable is stored' });
      res.writeHead(504, undefined, ['Content-Length', '0', 'Cache-Control', 'no-store', 'Cache-Status', value]);
      res.end();
      answered(504, 'miss', value);
      return;
    }
    if (req.method === 'HEAD') {
      options.detail = 'not stored: HEAD is answered from a stored GET; its own response has no body to store';
      return this.forwardWith(req, res, options, forward);
    }
    options.mode = 'fill';
    const waiters = this.locks.get(lockKey);
    if (waiters && mayWait) return this.wait(req, res, waiters, route, forward, answered);
    if (!waiters) {
      this.locks.set(lockKey, []);
      options.ownsLock = true;
    }
    this.forwardWith(req, res, options, forward);
  }

  /**
   * Writes a stored response to `res` (a 304 when the client's own
   * validators match); returns the Cache-Status it carries. A body on disk
   * is sent once its file checks out (`hooks.served`); one that does not is
   * dropped from the store and `hooks.unreadable` decides what the client
   * gets instead.
   */
  serve(req: RequestMessage, res: ResponseMessage, entry: CacheEntry, parts: CacheStatusParts, hooks: ServeHooks = {}): string {
    const age = Math.floor(currentAge(entry.times, this.now()));
    const value = cacheStatus({ ttl: entry.lifetimeSeconds - age, ...parts });
    const headers = [...entry.headers, 'Age', String(age), 'Cache-Status', value];
    if (this.clientHasIt(req, entry)) {
      res.writeHead(304, undefined, headers);
      res.end();
      hooks.served?.(value);
      return value;
    }
    headers.push('Content-Length', String(entry.body.length));
    const { body } = entry;
    if (!isOnDisk(body) || req.method === 'HEAD') {
      res.writeHead(entry.status, entry.reason, headers);
      res.end(req.method === 'HEAD' || isOnDisk(body) ? undefined : body);
      hooks.served?.(value);
      return value;
    }
    sendDiskBody(res, body, {
      listen: hooks.listen ?? ((listener) => res.listen(listener)),
      head: () => {
        res.writeHead(entry.status, entry.reason, headers);
        hooks.served?.(value);
      },
      failed: (why, headSent) => {
        this.disks.get(entry.routeId)?.dropDamaged(entry, why);
        if (headSent) return;
        if (hooks.unreadable) hooks.unreadable(why);
        else res.destroy();
      },
    });
    return value;
  }

  /** A fill ended (stored or not): the requests waiting for it go on. */
  unlock(lockKey: string, mayWait: boolean): void {
    const waiters = this.locks.get(lockKey);
    this.locks.delete(lockKey);
    // A copy: each waiter takes itself off the list as it goes.
    for (const waiter of waiters?.slice() ?? []) waiter.retry(mayWait);
  }

  /** RFC 9111 §4.4: after an unsafe method's non-error answer, its URL and the same host's Location and Content-Location. */
  invalidateAfter(routeId: number, req: RequestMessage, headers: readonly string[]): void {
    const store = this.storeOf(routeId);
    store.invalidate(`${req.host}${req.url}`);
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!.toLowerCase();
      if (name !== 'location' && name !== 'content-location') continue;
      let url: URL;
      try {
        url = new URL(headers[i + 1]!, `http://${req.host}${req.url}`);
      } catch {
        continue;
      }
      if (url.hostname === req.host) store.invalidate(`${req.host}${url.pathname}${url.search}`);
    }
  }

  purge(filter: PurgeFilter): { entries: number; bytes: number } {
    const url = filter.url === undefined ? undefined : keyPattern(filter.url);
    const prefix = filter.prefix === undefined ? undefined : keyPattern(filter.prefix);
    const drop = (entry: CacheEntry) => {
      if (filter.routeId !== undefined && entry.routeId !== filter.routeId) return false;
      const pattern = url ?? prefix;
      if (!pattern) return true;
      if (pattern.host !== undefined && hostOf(entry.key) !== pattern.host) return false;
      return url ? pathOf(entry.key) === url.path : pathOf(entry.key).startsWith(prefix!.path);
    };
    const purged = this.store.purge(drop);
    for (const [routeId, disk] of this.disks) {
      if (filter.routeId !== undefined && routeId !== filter.routeId) continue;
      const fromDisk = disk.purge(drop);
      purged.entries += fromDisk.entries;
      purged.bytes += fromDisk.bytes;
    }
    return purged;
  }

  stats(routeId: number): CacheStats {
    const disk = this.disks.get(routeId);
    const usage = this.storeOf(routeId).usageOf(routeId);
    const counters = this.counters.get(routeId) ?? { hits: 0, misses: 0 };
    return {
      routeId,
      entries: usage.entries,
      bytes: usage.bytes,
      hits: counters.hits,
      misses: counters.misses,
      storage: disk ? 'disk' : 'memory',
      diskProblem: disk?.faults.problem,
      diskFaults: disk?.faults.count ?? 0,
    };
  }

  /**
   * Routes that no longer exist or switched the cache off lose what they
   * stored and their counters; a route whose cache moved between memory and
   * disk starts empty in its new place, and its folder goes when it leaves
   * the disk.
   */
  retain(cachedRoutes: readonly Route[]): void {
    const cachedIds = new Set(cachedRoutes.map((r) => r.id));
    const onDisk = new Map(this.disk ? cachedRoutes.filter((r) => r.settings.cacheStorage === 'disk').map((r) => [r.id, r]) : []);
    this.store.purge((entry) => !cachedIds.has(entry.routeId) || onDisk.has(entry.routeId));
    for (const id of this.counters.keys()) if (!cachedIds.has(id)) this.counters.delete(id);
    for (const [id, disk] of this.disks) {
      if (onDisk.has(id)) continue;
      this.disks.delete(id);
      this.removeFolder(disk.dir, () => disk.destroy());
    }
    if (!this.disk) return;
    if (!this.orphansRemoved) this.removeOrphans(this.disk.dir, new Set(onDisk.keys()));
    for (const id of this.labels.keys()) if (!onDisk.has(id)) this.labels.delete(id);
    for (const [id, route] of onDisk) {
      this.labels.set(id, routeLabel(route));
      const maxBytes = route.settings.cacheDiskMaxMb * bytesPerMb;
      const existing = this.disks.get(id);
      if (existing) existing.setMaxBytes(maxBytes);
      else this.disks.set(id, new DiskStore(id, join(this.disk.dir, String(id)), maxBytes, new DiskFaults(() => this.labels.get(id) ?? String(id), this.disk.log)));
    }
  }

  /** Folders of routes deleted while Switchyard was not running (or whose removal failed): nothing will ever read them. */
  private removeOrphans(root: string, kept: ReadonlySet<number>): void {
    this.orphansRemoved = true;
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return;
    }
    for (const name of names) {
      if (/^\d+$/.test(name) && !kept.has(Number(name))) this.removeFolder(join(root, name), () => rmSync(join(root, name), { recursive: true, force: true }));
    }
  }

  private removeFolder(dir: string, remove: () => void): void {
    try {
      remove();
    } catch (error) {
      this.disk?.log(`cache: could not remove ${dir} (${(error as Error).message}); delete it by hand to free the space`);
    }
  }

  private countersOf(routeId: number): { hits: number; misses: number } {
    let counters = this.counters.get(routeId);
    if (!counters) this.counters.set(routeId, (counters = { hits: 0, misses: 0 }));
    return counters;
  }

  private forwardWith(req: RequestMessage, res: ResponseMessage, options: SeamOptions, forward: ForwardRequest): void {
    const seam = new CachingResponse(res, req, this, options);
    forward(seam, seam);
  }

  /** Waits for the fill under way; a client that leaves stops waiting, and after lockTimeoutMs it goes to the backend itself. */
  private wait(req: RequestMessage, res: ResponseMessage, waiters: Waiter[], route: CachedRoute, forward: ForwardRequest, answered: CacheAnswered): void {
    let done = false;
    const stop = () => {
      done = true;
      clearTimeout(timer);
      const at = waiters.indexOf(waiter);
      if (at !== -1) waiters.splice(at, 1);
    };
    const waiter: Waiter = {
      retry: (mayWait) => {
        if (done) return;
        stop();
        if (!res.destroyed) this.handle(req, res, route, forward, answered, true, mayWait);
      },
    };
    const timer = setTimeout(() => waiter.retry(false), lockTimeoutMs);
    const listener: ResponseListener = { responseDrained: () => {}, responseClosed: stop };
    res.listen(listener);
    waiters.push(waiter);
  }

  /** RFC 5861 stale-while-revalidate: the client has its answer; one request, nobody waiting, refreshes the store. */
  private revalidateInBackground(req: RequestMessage, stored: CacheEntry, options: SeamOptions, forward: ForwardRequest): void {
    this.locks.set(options.lockKey, []);
    this.forwardWith(req, new DiscardResponse(), { ...options, mode: 'fill', fwd: 'stale', ownsLock: true, stored, detail: 'stale-while-revalidate, in the background' }, forward);
  }

  /** The client's own validators match the stored response (RFC 9110 §13.1.2, §13.1.3): it gets a 304. */
  private clientHasIt(req: RequestMessage, entry: CacheEntry): boolean {
    if (entry.status !== 200) return false;
    const noneMatch = req.header('if-none-match');
    if (noneMatch !== undefined) return entry.etag !== undefined && etagListed(noneMatch, entry.etag);
    const since = req.header('if-modified-since');
    if (since === undefined || entry.lastModified === undefined) return false;
    const sinceMs = Date.parse(since);
    const modifiedMs = Date.parse(entry.lastModified);
    return !Number.isNaN(sinceMs) && !Number.isNaN(modifiedMs) && modifiedMs <= sinceMs;
  }
}
