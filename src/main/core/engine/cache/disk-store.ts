import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { parseCacheControl } from './cache-control';
import type { CacheEntry, DiskBody, EntryFill, EntryStore, EntryWithoutBody, RouteUsage } from './cache-store';
import { diskFaultSentence, type DiskFaults } from './disk-faults';
import { decodeMeta, decodePrefix, encodeMeta, encodePrefix, fileBytes, levelsOf, prefixBytes, variantName, type EntryMeta } from './entry-file';
import { headerOf } from './header-list';
import { invalidateKey, purgeWhere, useVariants } from './variant-slots';

// A route's cache on disk (nginx's proxy_cache_path): one file per stored
// response under <dataDir>/cache/<route id>/, named by its hashed key in
// levels=1:2 folders, written under tmp/ and renamed into place so a crash
// never leaves half an entry under a real name. The index (keys, headers,
// validators, times) lives in memory and is rebuilt at start by reading
// every file's prefix and metadata (nginx's cache loader); bodies stay on
// disk and are streamed from there (disk-body.ts). Writes are synchronous,
// as nginx's are to its temp files: a page-cache write costs microseconds,
// and an error is known before the next chunk is taken.

/** The index's memory for one route (nginx's keys_zone): past it the least recently used entries go, files and all. */
export const indexMaxBytes = 16 * 1024 * 1024;
/** nginx has no per-entry limit on disk; one entry may take at most this share of the cap, so one response cannot flush the rest. */
const maxEntryShareOfCap = 4;
/** What an index entry costs besides its key and header text: the objects around them, roughly. */
const indexOverheadBytes = 512;
/** Half-written files, removed at every start: a fill a crash interrupted never becomes an entry. */
const tempFolder = 'tmp';
const tempNameBytes = 8;
/** Files are the user's responses (maybe private pages): readable by the user alone. */
const fileMode = 0o600;

function writeAll(fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readExactly(fd: number, length: number, position: number): Buffer {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const got = readSync(fd, out, done, length - done, position + done);
    if (got === 0) break;
    done += got;
  }
  return out.subarray(0, done);
}

/** mkdir without `recursive` first: recursive mkdir reports EROFS as ENOENT, which would hide the sentence that matters. */
function ensureFolder(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT') throw error;
    mkdirSync(dir, { recursive: true });
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or the folder refuses: either way it is no longer indexed, so never served.
  }
}

function listQuietly(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const metaOf = (entry: EntryWithoutBody): EntryMeta => ({
  key: entry.key,
  scheme: entry.scheme,
  status: entry.status,
  reason: entry.reason,
  headers: entry.headers,
  varyNames: [...entry.varyNames],
  varyValues: entry.varyValues.map((v) => v ?? null),
  lifetimeSeconds: entry.lifetimeSeconds,
  times: entry.times,
  etag: entry.etag,
  lastModified: entry.lastModified,
});

export class DiskStore implements EntryStore {
  /** Variants by primary key; Map order is recency, as in the memory store. */
  private readonly slots = new Map<string, CacheEntry[]>();
  private readonly usage: RouteUsage = { entries: 0, bytes: 0 };
  private indexBytes = 0;
  maxEntryBytes: number;

  constructor(
    readonly routeId: number,
    readonly dir: string,
    private maxBytes: number,
    readonly faults: DiskFaults,
    private readonly indexCap = indexMaxBytes,
  ) {
    this.maxEntryBytes = Math.floor(maxBytes / maxEntryShareOfCap);
    this.load();
  }

  /** The cap changed (cacheDiskMaxMb): evicts down to it at once. */
  setMaxBytes(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.maxEntryBytes = Math.floor(maxBytes / maxEntryShareOfCap);
    this.evict();
  }

  variants(key: string): readonly CacheEntry[] | undefined {
    return useVariants(this.slots, key);
  }

  openFill(): EntryFill | string {
    const refused = this.faults.refusing();
    if (refused !== undefined) return refused;
    const temp = join(this.dir, tempFolder, randomBytes(tempNameBytes).toString('hex'));
    try {
      ensureFolder(join(this.dir, tempFolder));
      return new DiskFill(this, temp, openSync(temp, 'w', fileMode));
    } catch (error) {
      const sentence = diskFaultSentence(error, this.dir);
      this.faults.writeFailed(sentence);
      return sentence;
    }
  }

  /** A fill's file is in place: it replaces the variant it matches. */
  committed(entry: CacheEntry): void {
    const slot = this.slots.get(entry.key) ?? [];
    const file = (entry.body as DiskBody).file;
    const same = slot.findIndex((old) => (old.body as DiskBody).file === file);
    // Renamed over: the old file is already gone, only its charge goes.
    if (same !== -1) this.uncharge(slot.splice(same, 1)[0]!);
    slot.push(entry);
    this.slots.delete(entry.key);
    this.slots.set(entry.key, slot);
    this.charge(entry);
    this.faults.wrote();
    this.evict();
  }

  /**
   * A 304 changed an entry's headers: its metadata is rewritten in place
   * behind the body, then the prefix (as nginx's
   * ngx_http_file_cache_update_header rewrites a header in place). A crash
   * between the two leaves a prefix that does not match, and the loader
   * removes the file.
   */
  resized(entry: CacheEntry): void {
    const body = entry.body as DiskBody;
    let fd: number | undefined;
    try {
      const meta = encodeMeta(metaOf(entry));
      fd = openSync(body.file, 'r+');
      writeAll(fd, meta, prefixBytes + body.length);
      ftruncateSync(fd, prefixBytes + body.length + meta.length);
      writeAll(fd, encodePrefix({ bodyLength: body.length, bodyCrc: body.crc, metaLength: meta.length, metaCrc: crc32(meta) }), 0);
      this.uncharge(entry);
      entry.size = prefixBytes + body.length + meta.length;
      this.charge(entry);
    } catch (error) {
      this.faults.writeFailed(diskFaultSentence(error, this.dir));
      this.drop(entry);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  invalidate(key: string): number {
    return invalidateKey(this.slots, key, (entry) => this.remove(entry));
  }

  purge(drop: (entry: CacheEntry) => boolean): RouteUsage {
    return purgeWhere(this.slots, drop, (entry) => this.remove(entry));
  }

  usageOf(): RouteUsage {
    return { ...this.usage };
  }

  /** An entry's file could not be read whole or did not check out: it leaves the index and the disk. */
  dropDamaged(entry: CacheEntry, why: string): void {
    this.faults.readFailed(`the stored response for ${entry.key} ${why}; it was removed and is fetched from a backend again`);
    this.drop(entry);
  }

  /** The route went, or its cache moved to memory: its folder goes with it. */
  destroy(): void {
    this.slots.clear();
    this.usage.entries = 0;
    this.usage.bytes = 0;
    this.indexBytes = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }

  fileFor(entry: EntryWithoutBody): string {
    const name = variantName(entry.scheme, entry.key, entry.varyNames, entry.varyValues);
    return join(this.dir, ...levelsOf(name), name);
  }

  private drop(entry: CacheEntry): void {
    const slot = this.slots.get(entry.key);
    const at = slot?.indexOf(entry) ?? -1;
    if (at === -1) return;
    slot!.splice(at, 1);
    if (slot!.length === 0) this.slots.delete(entry.key);
    this.remove(entry);
  }

  private remove(entry: CacheEntry): void {
    this.uncharge(entry);
    removeQuietly((entry.body as DiskBody).file);
  }

  /** Least recently used first, down to the disk cap and the index's memory cap. */
  private evict(): void {
    for (const [key, oldest] of this.slots) {
      if (this.usage.bytes <= this.maxBytes && this.indexBytes <= this.indexCap) break;
      this.slots.delete(key);
      for (const entry of oldest) this.remove(entry);
    }
  }

  private charge(entry: CacheEntry): void {
    this.usage.entries += 1;
    this.usage.bytes += entry.size;
    this.indexBytes += indexCost(entry);
  }

  private uncharge(entry: CacheEntry): void {
    this.usage.entries -= 1;
    this.usage.bytes -= entry.size;
    this.indexBytes -= indexCost(entry);
  }

  /** nginx's cache loader: every file's prefix and metadata read back, oldest first so recency survives roughly; what does not check out is removed. */
  private load(): void {
    try {
      rmSync(join(this.dir, tempFolder), { recursive: true, force: true });
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      this.faults.writeFailed(diskFaultSentence(error, this.dir));
      return;
    }
    const found: { entry: CacheEntry; mtimeMs: number }[] = [];
    for (const first of listQuietly(this.dir)) {
      if (first === tempFolder) continue;
      for (const second of listQuietly(join(this.dir, first))) {
        for (const name of listQuietly(join(this.dir, first, second))) {
          const file = join(this.dir, first, second, name);
          const read = this.readEntry(file);
          if (typeof read === 'string') {
            this.faults.readFailed(`${file} ${read}; it was removed`);
            removeQuietly(file);
          } else found.push(read);
        }
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const { entry } of found) {
      const slot = this.slots.get(entry.key) ?? [];
      slot.push(entry);
      this.slots.set(entry.key, slot);
      this.charge(entry);
    }
    this.evict();
  }

  /** An entry read back from its file, or why the file is not one. */
  private readEntry(file: string): { entry: CacheEntry; mtimeMs: number } | string {
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      const stat = fstatSync(fd);
      const prefix = decodePrefix(readExactly(fd, prefixBytes, 0));
      if (typeof prefix === 'string') return `is ${prefix}`;
      if (stat.size !== fileBytes(prefix)) return `is ${stat.size} bytes where its header says ${fileBytes(prefix)} (cut short or damaged)`;
      const meta = decodeMeta(readExactly(fd, prefix.metaLength, prefixBytes + prefix.bodyLength), prefix);
      if (typeof meta === 'string') return `is damaged: ${meta}`;
      const partial: EntryWithoutBody = {
        routeId: this.routeId,
        key: meta.key,
        scheme: meta.scheme,
        status: meta.status,
        reason: meta.reason ?? undefined,
        headers: meta.headers,
        varyNames: meta.varyNames,
        varyValues: meta.varyValues.map((v) => v ?? undefined),
        directives: parseCacheControl(headerOf(meta.headers, 'cache-control')),
        lifetimeSeconds: meta.lifetimeSeconds,
        times: meta.times,
        etag: meta.etag ?? undefined,
        lastModified: meta.lastModified ?? undefined,
      };
      if (this.fileFor(partial) !== file) return 'is not where its key would put it';
      return { entry: { ...partial, body: { file, length: prefix.bodyLength, crc: prefix.bodyCrc }, size: stat.size }, mtimeMs: stat.mtimeMs };
    } catch (error) {
      return `could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

const indexCost = (entry: CacheEntry): number => {
  let cost = indexOverheadBytes + entry.key.length;
  for (const text of entry.headers) cost += text.length;
  return cost;
};

/** A body streaming into a temp file, renamed into place once the response ended whole. */
class DiskFill implements EntryFill {
  failed: string | undefined;
  private bytes = 0;
  private crc = 0;
  private fd: number | undefined;

  constructor(
    private readonly store: DiskStore,
    private readonly temp: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  write(chunk: Buffer): boolean {
    if (this.failed !== undefined || this.fd === undefined) return false;
    try {
      writeAll(this.fd, chunk, prefixBytes + this.bytes);
    } catch (error) {
      this.fail(error);
      return false;
    }
    this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.length;
    return true;
  }

  commit(partial: EntryWithoutBody): void {
    if (this.failed !== undefined || this.fd === undefined) return;
    const { store } = this;
    try {
      const meta = encodeMeta(metaOf(partial));
      writeAll(this.fd, meta, prefixBytes + this.bytes);
      writeAll(this.fd, encodePrefix({ bodyLength: this.bytes, bodyCrc: this.crc, metaLength: meta.length, metaCrc: crc32(meta) }), 0);
      closeSync(this.fd);
      this.fd = undefined;
      const file = store.fileFor(partial);
      ensureFolder(join(file, '..'));
      renameSync(this.temp, file);
      store.committed({ ...partial, body: { file, length: this.bytes, crc: this.crc }, size: prefixBytes + this.bytes + meta.length });
    } catch (error) {
      this.fail(error);
    }
  }

  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // The descriptor is released either way.
      }
      this.fd = undefined;
    }
    removeQuietly(this.temp);
  }

  private fail(error: unknown): void {
    this.failed = diskFaultSentence(error, this.store.dir);
    this.store.faults.writeFailed(this.failed);
    this.abort();
  }
}
