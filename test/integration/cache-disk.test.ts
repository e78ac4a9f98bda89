import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import type { TestBackend } from '../helpers/backends';
import { cachedRoute, expectCacheStatus } from '../helpers/cache';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';
import { fillDisk, mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs';

// The HTTP cache on disk (cacheStorage: disk): real files under the data
// directory, a real restart of the core, real damaged files, and a real
// read-only and a real full filesystem (tmpfs; skipped without root).

const disk = { cacheStorage: 'disk' };
const fresh = { 'cache-control': 'max-age=600' };
/** Past one second, so a restarted core's Age has grown. */
const ageStepMs = 1_100;
const largeBodyBytes = 16 * 1024 * 1024;
const mb = 1024 * 1024;
/** Long enough for the proxy to fill the socket and wait for the client. */
const slowClientPauseMs = 500;

let dir = tempDir();
let cores: Core[] = [];
const backends: TestBackend[] = [];
const mounts: Tmpfs[] = [];
afterEach(async () => {
  for (const core of cores.splice(0)) await core.stop();
  await Promise.all(backends.splice(0).map((b) => b.close()));
  for (const mount of mounts.splice(0)) mount.unmount();
  dir.remove();
  dir = tempDir();
});

if (tmpfsUnavailable) console.log(`disk-cache tests on a read-only and a full filesystem skipped: ${tmpfsUnavailable}`);

async function core(options: Parameters<typeof startCore>[1] = {}): Promise<Core> {
  const started = await startCore(dir.path, options);
  cores.push(started);
  return started;
}

async function route(c: Core, host: string, handler: Parameters<typeof cachedRoute>[2], settings: Record<string, unknown> = {}) {
  const made = await cachedRoute(c, host, handler, { ...disk, ...settings });
  backends.push(made.backend);
  return made;
}

/** Every entry file of a route (the folders below its own, without tmp/). */
function entryFiles(routeId: number): string[] {
  const root = join(dir.path, 'cache', String(routeId));
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.parentPath.includes(`${root}/tmp`))
    .map((d) => join(d.parentPath, d.name));
}

const answer = (text: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(200, fresh);
  res.end(text);
};

/** A client that takes the head, then reads nothing for a while (`whilePaused` runs then), then the body. */
function slowGet(port: number, host: string, path: string, whilePaused: () => void = () => {}): Promise<{ cacheStatus: string; bytes: number; digest: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      res.pause();
      const hash = createHash('sha256');
      let bytes = 0;
      setTimeout(() => {
        whilePaused();
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          bytes += chunk.length;
        });
        res.on('end', () => resolve({ cacheStatus: String(res.headers['cache-status']), bytes, digest: hash.digest('hex') }));
        res.on('close', () => {
          if (!res.complete) reject(new Error(`the response was cut short after ${bytes} bytes`));
        });
        res.on('error', () => {});
        res.resume();
      }, slowClientPauseMs);
    });
    req.on('error', reject);
  });
}

async function statsOf(c: Core, routeId: number) {
  return (await must(c.run('cache.stats', {}))).find((s) => s.routeId === routeId)!;
}

describe('HTTP cache on disk', () => {
  it('keeps an entry across a core restart: a hit whose Age grew; a half-written temp file is removed', async () => {
    const first = await core();
    const { backend, get, routeId } = await route(first, 'restart.localhost', answer('kept on disk'));
    expectCacheStatus(await get('/a'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(entryFiles(routeId)).toHaveLength(1);
    expect(await statsOf(first, routeId)).toMatchObject({ storage: 'disk', entries: 1, diskFaults: 0 });
    await first.stop();
    cores = [];
    // What a crash mid-fill leaves behind.
    mkdirSync(join(dir.path, 'cache', String(routeId), 'tmp'), { recursive: true });
    writeFileSync(join(dir.path, 'cache', String(routeId), 'tmp', 'half'), 'half an entry');
    await new Promise((resolve) => setTimeout(resolve, ageStepMs));

    const second = await core();
    const hit = await request(proxyPort(second), 'restart.localhost', '/a');
    expect(hit.body).toBe('kept on disk');
    expectCacheStatus(hit, /^Switchyard; hit; ttl=59\d$/);
    expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(1);
    expect(backend.requests).toHaveLength(1);
    expect(existsSync(join(dir.path, 'cache', String(routeId), 'tmp', 'half'))).toBe(false);
    expect(await statsOf(second, routeId)).toMatchObject({ storage: 'disk', entries: 1, hits: 1 });
  });

  it('keeps each Vary variant in its own file, and finds them again after a restart', async () => {
    const first = await core();
    const { backend, get } = await route(first, 'vary.localhost', (req, res) => {
      res.writeHead(200, { ...fresh, vary: 'Accept-Language' });
      res.end(`hello in ${req.headers['accept-language'] ?? 'no language'}`);
    });
    for (const language of ['en', 'fr', undefined]) await get('/greet', language ? { 'accept-language': language } : {});
    await first.stop();
    cores = [];
    const second = await core();
    for (const language of ['en', 'fr', undefined]) {
      const hit = await request(proxyPort(second), 'vary.localhost', '/greet', { headers: language ? { 'accept-language': language } : {} });
      expect(hit.body).toBe(`hello in ${language ?? 'no language'}`);
      expectCacheStatus(hit, /^Switchyard; hit; ttl=/);
    }
    expectCacheStatus(await request(proxyPort(second), 'vary.localhost', '/greet', { headers: { 'accept-language': 'de' } }), /^Switchyard; fwd=vary-miss/);
    expect(backend.requests).toHaveLength(4);
  });

  it('streams a large body from its file as a slow client takes it (cut the file after the head, and the response is cut)', async () => {
    const c = await core();
    const body = Buffer.alloc(largeBodyBytes);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
    const digest = createHash('sha256').update(body).digest('hex');
    const { backend, get, routeId } = await route(c, 'large.localhost', (_req, res) => {
      res.writeHead(200, { ...fresh, 'content-length': String(body.length) });
      res.end(body);
    });
    expectCacheStatus(await get('/big'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    const [file] = entryFiles(routeId);

    const whole = await slowGet(proxyPort(c), 'large.localhost', '/big');
    expect(whole.cacheStatus).toMatch(/^Switchyard; hit; ttl=/);
    expect(whole.bytes).toBe(largeBodyBytes);
    expect(whole.digest).toBe(digest);

    // Read whole before the head, the body would already be in memory and arrive complete; streamed, the rest is read
    // from the file only as the client takes it, so a file cut meanwhile (by less than the socket can hold) cuts the response.
    await expect(slowGet(proxyPort(c), 'large.localhost', '/big', () => truncateSync(file!, 32 + largeBodyBytes - 1024))).rejects.toThrow(/cut short/);
    expect(existsSync(file!)).toBe(false);
    expectCacheStatus(await get('/big'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(backend.requests).toHaveLength(2);
  });

  it('purge removes the files: one URL, then everything', async () => {
    const c = await core();
    const { get, routeId } = await route(c, 'purge.localhost', answer('x'));
    for (const path of ['/1', '/2', '/3']) await get(path);
    expect(entryFiles(routeId)).toHaveLength(3);
    expect(await must(c.run('cache.purge', { url: 'http://purge.localhost/2' }))).toMatchObject({ entries: 1 });
    expect(entryFiles(routeId)).toHaveLength(2);
    expectCacheStatus(await get('/2'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(await must(c.run('cache.purge', { routeId }))).toMatchObject({ entries: 3 });
    expect(entryFiles(routeId)).toEqual([]);
    expect(await statsOf(c, routeId)).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('evicts the least recently used entries past the disk cap, files and all', async () => {
    const c = await core();
    const entryBytes = 200 * 1024;
    const { backend, get, routeId } = await route(c, 'lru.localhost', answer('y'.repeat(entryBytes)), { cacheDiskMaxMb: 1 });
    for (const path of ['/1', '/2', '/3', '/4']) await get(path);
    expectCacheStatus(await get('/1'), /^Switchyard; hit/);
    for (const path of ['/5', '/6']) await get(path);
    const stats = await statsOf(c, routeId);
    expect(stats.bytes).toBeLessThanOrEqual(mb);
    expect(entryFiles(routeId)).toHaveLength(stats.entries);
    expect(entryFiles(routeId).reduce((sum, file) => sum + statSync(file).size, 0)).toBe(stats.bytes);
    // /2 was the least recently used, /1 was used after it.
    expectCacheStatus(await get('/1'), /^Switchyard; hit/);
    expectCacheStatus(await get('/2'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(backend.requests.map((r) => r.url)).toEqual(['/1', '/2', '/3', '/4', '/5', '/6', '/2']);
  });

  it('a damaged or truncated file is a miss, never served, and is removed; so is one cut while the core was stopped', async () => {
    const c = await core();
    const { backend, get, routeId } = await route(c, 'damaged.localhost', answer('the right answer'));
    await get('/flip');
    const [flipped] = entryFiles(routeId);
    const bytes = readFileSync(flipped!);
    // The body follows the 32-byte prefix: one bit of it changed.
    bytes[32] = bytes[32]! ^ 1;
    writeFileSync(flipped!, bytes);
    const afterFlip = await get('/flip');
    expect(afterFlip.body).toBe('the right answer');
    expectCacheStatus(afterFlip, 'Switchyard; fwd=uri-miss; fwd-status=200; stored; detail="the stored copy on disk does not match its checksum (damaged), so it was removed"');

    await get('/cut');
    const cut = entryFiles(routeId).find((f) => f !== flipped)!;
    truncateSync(cut, 40);
    const afterCut = await get('/cut');
    expect(afterCut.body).toBe('the right answer');
    expectCacheStatus(afterCut, 'Switchyard; fwd=uri-miss; fwd-status=200; stored; detail="the stored copy on disk is cut short, so it was removed"');
    expect(backend.requests.map((r) => r.url)).toEqual(['/flip', '/flip', '/cut', '/cut']);
    expect((await statsOf(c, routeId)).diskFaults).toBe(2);

    // Cut, or grown, while nothing ran: the loader finds both at start and removes them.
    await c.stop();
    cores = [];
    const [shortened, grown] = entryFiles(routeId);
    truncateSync(shortened!, 40);
    appendFileSync(grown!, 'trailing bytes');
    const again = await core();
    expect(existsSync(shortened!) || existsSync(grown!)).toBe(false);
    expect(await statsOf(again, routeId)).toMatchObject({ entries: 0, diskFaults: 2 });
  });

  it('a file deleted under it, or one that cannot be read (a folder in its place: EISDIR), is a miss that says so', async () => {
    const c = await core();
    const { backend, get, routeId } = await route(c, 'gone.localhost', answer('fetched again'));
    await get('/deleted');
    const [deleted] = entryFiles(routeId);
    rmSync(deleted!);
    const afterDelete = await get('/deleted');
    expect(afterDelete.body).toBe('fetched again');
    expectCacheStatus(afterDelete, 'Switchyard; fwd=uri-miss; fwd-status=200; stored; detail="the stored copy on disk was deleted, so it was removed"');

    await get('/unreadable');
    const unreadable = entryFiles(routeId).find((f) => f !== deleted)!;
    rmSync(unreadable);
    mkdirSync(unreadable);
    const afterError = await get('/unreadable');
    expect(afterError.body).toBe('fetched again');
    expectCacheStatus(afterError, /^Switchyard; fwd=uri-miss; fwd-status=200; stored; detail="the stored copy on disk could not be read \(EISDIR\), so it was removed"$/);
    expect(backend.requests).toHaveLength(4);
    expect((await statsOf(c, routeId)).diskFaults).toBeGreaterThanOrEqual(2);
  });

  it('a large entry damaged mid-body is cut (never a whole-looking wrong answer), removed, and fetched again', async () => {
    const c = await core();
    const body = Buffer.alloc(3 * mb, 0x61);
    const { backend, get, routeId } = await route(c, 'cutlarge.localhost', (_req, res) => {
      res.writeHead(200, { ...fresh, 'content-length': String(body.length) });
      res.end(body);
    });
    await get('/big');
    const [file] = entryFiles(routeId);
    const bytes = readFileSync(file!);
    bytes[32 + 2 * mb] = 0x62;
    writeFileSync(file!, bytes);
    await expect(get('/big')).rejects.toThrow();
    expect(existsSync(file!)).toBe(false);
    const refetched = await get('/big');
    expect(refetched.body).toBe(body.toString());
    expectCacheStatus(refetched, 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(backend.requests).toHaveLength(2);
  });

  it('removing the route or moving its cache to memory removes its folder', async () => {
    const c = await core();
    const one = await route(c, 'gone.localhost', answer('a'));
    const two = await route(c, 'moved.localhost', answer('b'));
    await one.get('/');
    await two.get('/');
    const folder = (id: number) => join(dir.path, 'cache', String(id));
    expect(existsSync(folder(one.routeId)) && existsSync(folder(two.routeId))).toBe(true);
    await must(c.run('routes.delete', { id: one.routeId }));
    expect(existsSync(folder(one.routeId))).toBe(false);
    await must(c.run('routes.update', { id: two.routeId, settings: { cacheStorage: 'memory' } }));
    expect(existsSync(folder(two.routeId))).toBe(false);
    expectCacheStatus(await two.get('/'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(await statsOf(c, two.routeId)).toMatchObject({ storage: 'memory', entries: 1 });
  });
});

describe('HTTP cache on disk: the same decisions as in memory', () => {
  it('a 304 refreshes the entry on disk (its new headers survive a restart); stale-if-error and all-backends-down answer from the file', async () => {
    const first = await core();
    let maxAge = 0;
    let failing = false;
    const { backend, get, routeId } = await route(first, 'decide.localhost', (req, res) => {
      if (failing) {
        res.writeHead(500);
        return res.end('backend error');
      }
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', 'cache-control': `max-age=${maxAge}, stale-if-error=600`, 'x-refreshed': 'yes' });
        return res.end();
      }
      res.writeHead(200, { etag: '"v1"', 'cache-control': `max-age=${maxAge}, stale-if-error=600` });
      res.end('stored body');
    });
    expectCacheStatus(await get('/doc'), 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    // Stale at once: the backend's 500 gives way to the stored copy (RFC 5861 stale-if-error), read from its file.
    failing = true;
    const standIn = await get('/doc');
    expect(standIn.body).toBe('stored body');
    expectCacheStatus(standIn, /^Switchyard; fwd=stale; fwd-status=500; ttl=-?\d+; detail="stale-if-error: the backend answered 500"$/);
    failing = false;
    maxAge = 600;
    const refreshed = await get('/doc');
    expect(refreshed.body).toBe('stored body');
    expect(refreshed.headers['x-refreshed']).toBe('yes');
    expectCacheStatus(refreshed, /^Switchyard; fwd=stale; fwd-status=304; ttl=(599|600)$/);
    expect(backend.requests).toHaveLength(3);

    await first.stop();
    cores = [];
    const second = await core();
    const hit = await request(proxyPort(second), 'decide.localhost', '/doc');
    expect(hit.body).toBe('stored body');
    expect(hit.headers['x-refreshed']).toBe('yes');
    expectCacheStatus(hit, /^Switchyard; hit; ttl=\d+$/);
    expect(backend.requests).toHaveLength(3);
    expect(await statsOf(second, routeId)).toMatchObject({ entries: 1, diskFaults: 0 });
  });

  it('concurrent misses make one backend request; the others are answered from the file it wrote', async () => {
    const c = await core();
    const { backend, get } = await route(c, 'lock.localhost', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, fresh);
        res.end('one answer');
      }, 300);
    });
    const answers = await Promise.all(Array.from({ length: 5 }, () => get('/slow')));
    expect(backend.requests).toHaveLength(1);
    expect(answers.map((a) => a.body)).toEqual(Array(5).fill('one answer'));
    const statuses = answers.map((a) => String(a.headers['cache-status']));
    expect(statuses.filter((v) => v === 'Switchyard; fwd=uri-miss; fwd-status=200; stored')).toHaveLength(1);
    expect(statuses.filter((v) => /^Switchyard; hit; collapsed; ttl=/.test(v))).toHaveLength(4);
  });

  it('with every backend down a stale entry stands in from its file', async () => {
    const c = await core();
    const { backend, get } = await route(c, 'down.localhost', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=0, stale-if-error=600', etag: '"1"' });
      res.end('last good answer');
    });
    await get('/page');
    await backend.close();
    const answer = await get('/page');
    expect(answer.body).toBe('last good answer');
    expectCacheStatus(answer, /^Switchyard; fwd=stale; ttl=-?\d+; detail="all backends down"$/);
  });
});

describe.skipIf(tmpfsUnavailable !== undefined)('HTTP cache on a disk that refuses', () => {
  /** Puts the route's cache folder on `mount` (a symlink where the folder was). */
  function folderOn(routeId: number, mount: Tmpfs): void {
    const folder = join(dir.path, 'cache', String(routeId));
    rmSync(folder, { recursive: true, force: true });
    symlinkSync(mount.path, folder);
  }

  it('a read-only folder: the proxy answers from the backend, Cache-Status, cache.stats and one log line say why', async () => {
    const lines: string[] = [];
    const c = await core({ log: (line) => lines.push(line) });
    const readOnly = mountTmpfs('ro,size=64k');
    mounts.push(readOnly);
    const { backend, get, routeId } = await route(c, 'ro.localhost', answer('from the backend'));
    folderOn(routeId, readOnly);
    for (let i = 0; i < 3; i += 1) {
      const res = await get('/r');
      expect(res.status).toBe(200);
      expect(res.body).toBe('from the backend');
      expectCacheStatus(res, /^Switchyard; fwd=uri-miss; fwd-status=200; detail="not stored: disk cache unavailable: .* is on a read-only filesystem\. Remount it read-write, or set the route's cacheStorage to memory; requests go to the backends uncached meanwhile\."$/);
    }
    expect(backend.requests).toHaveLength(3);
    const stats = await statsOf(c, routeId);
    expect(stats.diskProblem).toMatch(/^disk cache unavailable: .* read-only filesystem/);
    expect(stats.diskFaults).toBe(1);
    expect(lines.filter((line) => line.includes('disk cache unavailable'))).toEqual([expect.stringMatching(/^cache of ro\.localhost: disk cache unavailable: .* is on a read-only filesystem\./)]);
  });

  it('a full disk: the answer reaches the client whole, nothing half-written stays, later misses say the disk is full', async () => {
    const c = await core();
    const small = mountTmpfs('size=256k');
    mounts.push(small);
    const { backend, get, routeId } = await route(c, 'full.localhost', answer('z'.repeat(64 * 1024)));
    folderOn(routeId, small);
    fillDisk(join(small.path, 'filler'));
    const first = await get('/f');
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(64 * 1024);
    // The head went out before the disk refused the body.
    expectCacheStatus(first, 'Switchyard; fwd=uri-miss; fwd-status=200; stored');
    expect(readdirSync(join(small.path, 'tmp'))).toEqual([]);
    const second = await get('/f');
    expect(second.body).toHaveLength(64 * 1024);
    expectCacheStatus(second, /^Switchyard; fwd=uri-miss; fwd-status=200; detail="not stored: disk cache unavailable: the disk that holds .* is full\. Free some space there or lower the route's cacheDiskMaxMb; requests go to the backends uncached meanwhile\."$/);
    expect(backend.requests).toHaveLength(2);
    expect(await statsOf(c, routeId)).toMatchObject({ entries: 0, diskFaults: 1 });
    expect((await statsOf(c, routeId)).diskProblem).toMatch(/is full/);
  });
});
