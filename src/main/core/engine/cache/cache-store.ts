import type { Directives } from './cache-control';
import { invalidateKey, purgeWhere, useVariants } from './variant-slots';
import type { FetchTimes } from './freshness';

// The stored responses, in memory: a size cap over everything with the
// least recently used URL evicted first (nginx's cache manager evicts by
// LRU too), and a per-entry limit enforced by whoever fills it.

export const defaultMaxBytes = 64 * 1024 * 1024;
export const defaultMaxEntryBytes = 8 * 1024 * 1024;
/** What an entry costs besides its body and header text: the objects around them, roughly. */
const entryOverheadBytes = 512;

export interface CacheEntry {
  readonly routeId: number;
  /** The primary key: host and URL (`api.localhost/users?page=2`). */
  readonly key: string;
  /** http or https: the listener it came in on (nginx keys on $scheme too). */
  readonly scheme: string;
  status: number;
  reason: string | undefined;
  /** As the client got them, without Age, Cache-Status and framing; a 304 updates them (RFC 9111 §3.2). */
  headers: string[];
  /** In memory, or in a file of the route's disk cache (disk-store.ts). */
  readonly body: Buffer | DiskBody;
  readonly varyNames: readonly string[];
  readonly varyValues: readonly (string | undefined)[];
  directives: Directives;
  lifetimeSeconds: number;
  times: FetchTimes;
  etag: string | undefined;
  lastModified: string | undefined;
  /** Memory charged for it (on disk: the file's bytes). */
  size: number;
}

/** A body kept in a file: where, how long, and the CRC-32 it must add up to before it is trusted. */
export interface DiskBody {
  readonly file: string;
  readonly length: number;
  readonly crc: number;
}

export const isOnDisk = (body: Buffer | DiskBody): body is DiskBody => !Buffer.isBuffer(body);

/** An entry before its body is placed: what a fill knows once the response ended. */
export type EntryWithoutBody = Omit<CacheEntry, 'body' | 'size'>;

/** A body on its way into a store, chunk by chunk as it streams to the client. */
export interface EntryFill {
  /** False once the store cannot keep it (the store says why in `failed`): the rest is not kept. */
  write(chunk: Buffer): boolean;
  /** The response ended whole: the entry goes into the store. */
  commit(entry: EntryWithoutBody): void;
  abort(): void;
  /** Why the body could not be kept, once it could not. */
  readonly failed: string | undefined;
}

/** What the cache asks of where it keeps entries: the shared memory store, or a route's disk store. */
export interface EntryStore {
  readonly maxEntryBytes: number;
  variants(key: string): readonly CacheEntry[] | undefined;
  /** A new body; `string` when the store cannot take one now (a disk that refuses), saying why. */
  openFill(): EntryFill | string;
  resized(entry: CacheEntry, size: number): void;
  invalidate(key: string): number;
  purge(drop: (entry: CacheEntry) => boolean): RouteUsage;
  usageOf(routeId: number): RouteUsage;
}

export function entrySize(headers: readonly string[], body: { readonly length: number }): number {
  let size = entryOverheadBytes + body.length;
  for (const text of headers) size += text.length;
  return size;
}

export interface RouteUsage {
  entries: number;
  bytes: number;
}

export class CacheStore implements EntryStore {
  /** Variants by primary key; Map order is recency (a use moves the key to the end). */
  private readonly slots = new Map<string, CacheEntry[]>();
  private bytes = 0;
  private readonly usage = new Map<number, RouteUsage>();

  constructor(
    readonly maxBytes = defaultMaxBytes,
    readonly maxEntryBytes = defaultMaxEntryBytes,
  ) {}

  /** The variants stored for a key, marked as just used. */
  variants(key: string): readonly CacheEntry[] | undefined {
    return useVariants(this.slots, key);
  }

  openFill(): EntryFill {
    const chunks: Buffer[] = [];
    let bytes = 0;
    return {
      failed: undefined,
      write: (chunk) => {
        // Copied: the connection reads the next bytes into the same memory once the client has these.
        chunks.push(Buffer.from(chunk));
        bytes += chunk.length;
        return true;
      },
      commit: (partial) => {
        const body = Buffer.concat(chunks, bytes);
        this.put({ ...partial, body, size: entrySize(partial.headers, body) });
      },
      abort: () => {
        chunks.length = 0;
      },
    };
  }

  /** Stores an entry in place of the variant it matches (same scheme and Vary values), then evicts down to the cap. */
  put(entry: CacheEntry): void {
    const slot = this.slots.get(entry.key) ?? [];
    const same = slot.findIndex(
      (old) => old.scheme === entry.scheme && old.varyNames.join() === entry.varyNames.join() && old.varyValues.every((v, i) => v === entry.varyValues[i]),
    );
    if (same !== -1) this.uncharge(slot.splice(same, 1)[0]!);
    slot.push(entry);
    this.slots.delete(entry.key);
    this.slots.set(entry.key, slot);
    this.charge(entry);
    for (const [key, oldest] of this.slots) {
      if (this.bytes <= this.maxBytes) break;
      this.slots.delete(key);
      for (const old of oldest) this.uncharge(old);
    }
  }

  /** A 304 changed an entry's headers: its charge follows. */
  resized(entry: CacheEntry, size: number): void {
    this.uncharge(entry);
    entry.size = size;
    this.charge(entry);
  }

  /** Drops every variant of a key (RFC 9111 §4.4 invalidation); the number dropped. */
  invalidate(key: string): number {
    return invalidateKey(this.slots, key, (entry) => this.uncharge(entry));
  }

  /** Drops every entry `drop` picks; what went. */
  purge(drop: (entry: CacheEntry) => boolean): RouteUsage {
    return purgeWhere(this.slots, drop, (entry) => this.uncharge(entry));
  }

  usageOf(routeId: number): RouteUsage {
    return this.usage.get(routeId) ?? { entries: 0, bytes: 0 };
  }

  get totalBytes(): number {
    return this.bytes;
  }

  private charge(entry: CacheEntry): void {
    this.bytes += entry.size;
    const usage = this.usage.get(entry.routeId) ?? { entries: 0, bytes: 0 };
    usage.entries += 1;
    usage.bytes += entry.size;
    this.usage.set(entry.routeId, usage);
  }

  private uncharge(entry: CacheEntry): void {
    this.bytes -= entry.size;
    const usage = this.usage.get(entry.routeId);
    if (!usage) return;
    usage.entries -= 1;
    usage.bytes -= entry.size;
    if (usage.entries === 0) this.usage.delete(entry.routeId);
  }
}
