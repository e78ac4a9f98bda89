import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { accessLogFile, keptFiles, retryMs } from '../../src/main/core/traffic/access-log';
import type { Problem } from '../../src/shared/events';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';
import { fillDisk, mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs';

// The access log of a real core: requests on real sockets, lines in real
// files, and disks that refuse writes (a folder in the file's place, a full
// tmpfs).

const smallestLimit = 65_536;
/** Lines reach the file within a batch (250 ms) and a write; a failed log is retried after retryMs. */
const WITHIN_MS = retryMs * 3;
const POLL_MS = 25;
/** Room for the database, its WAL and a few hundred lines; small enough to fill in a moment. */
const DISK_SIZE = 'size=2m';

if (tmpfsUnavailable) console.log(`access-log full-disk test skipped: ${tmpfsUnavailable}`);

interface Line {
  ts: number;
  id: number;
  request: { remote_ip: string; proto: string; method: string; host: string; uri: string };
  status: number;
  duration: number;
  size: number;
  route: string | null;
  backend: string | null;
  attempts: number;
  flags: string[];
}

const linesOf = (file: string): Line[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .slice(0, -1)
        .map((text) => JSON.parse(text) as Line)
    : [];

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WITHIN_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Running {
  core: Core;
  dir: string;
  backend: TestBackend;
  /** GET through the proxy; the test fails unless the backend answered. */
  get: (path?: string) => Promise<string>;
  /** Stops the core (once; the clean-up stops it if the test did not). */
  stop: () => Promise<void>;
}

async function setUp(dataDir?: string): Promise<Running> {
  const dir = dataDir ?? tempDir().path;
  if (!dataDir) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const backend = await startBackend('alpha');
  cleanups.push(() => backend.close());
  const core = await startCore(dir);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= core.stop());
  cleanups.push(stop);
  // A restarted core keeps its route (and the first backend, still up).
  if ((await must(core.run('routes.list', {}))).length === 0) {
    await must(core.run('routes.create', { host: 'logged.localhost', settings: { healthCheck: 'off' }, backends: [{ url: backend.url }] }));
  }
  const get = async (path = '/') => {
    const answer = await request(proxyPort(core), 'logged.localhost', path);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  return { core, dir, backend, get, stop };
}

const problems = async (core: Core): Promise<Problem[]> => (await must(core.run('status', {}))).problems;

describe('access log', () => {
  it('appends each exchange as a JSON line once switched on, and again after a restart', async () => {
    const { core, dir, backend, get, stop } = await setUp();
    await get('/before');
    await must(core.run('settings.update', { accessLog: true }));
    await get('/users?token=secret');
    await get('/users/2');
    const lines = await until('two lines', () => {
      const read = linesOf(accessLogFile(dir));
      return read.length >= 2 ? read : undefined;
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      request: { remote_ip: '127.0.0.1', proto: 'HTTP/1.1', method: 'GET', host: 'logged.localhost', uri: '/users?…' },
      status: 200,
      size: 'alpha'.length,
      route: 'logged.localhost',
      backend: backend.url,
      attempts: 1,
      flags: [],
    });
    expect(lines[0]!.ts * 1000).toBeGreaterThan(Date.now() - 60_000);
    expect(lines[0]!.duration).toBeGreaterThan(0);
    expect(lines[0]!.duration).toBeLessThan(10);
    expect(lines[1]!.id).toBe(lines[0]!.id + 1);
    expect(statSync(accessLogFile(dir)).mode & 0o777).toBe(0o600);

    // Switched on in the settings, it starts with the core; what came last before the stop is written.
    await stop();
    const again = await setUp(dir);
    await again.get('/after-restart');
    await again.stop();
    expect(linesOf(accessLogFile(dir)).map((line) => line.request.uri)).toEqual(['/users?…', '/users/2', '/after-restart']);
  });

  it('logs every exchange even when none are kept in memory (trafficRecords 0)', async () => {
    const { core, dir, get, stop } = await setUp();
    await must(core.run('settings.update', { accessLog: true, trafficRecords: 0 }));
    for (let i = 0; i < 5; i++) await get(`/n${i}`);
    await stop();
    expect(linesOf(accessLogFile(dir)).map((line) => line.request.uri)).toEqual(['/n0', '/n1', '/n2', '/n3', '/n4']);
  });

  it(`rolls at accessLogMaxBytes: at most ${keptFiles} old files, none over the limit, no line split, the newest kept`, async () => {
    const { core, dir, get, stop } = await setUp();
    await must(core.run('settings.update', { accessLog: true, accessLogMaxBytes: smallestLimit }));
    // ~1.3 KB lines: about 50 a file, so 400 exchanges fill 8 files and roll 7 times.
    const long = 'x'.repeat(1_000);
    const count = 400;
    for (let i = 0; i < count; i++) await get(`/${i}/${long}`);
    await stop();
    expect(readdirSync(dir).filter((name) => name.startsWith('access.log')).sort()).toEqual(['access.log', 'access.log.1', 'access.log.2', 'access.log.3']);
    const ids: number[] = [];
    for (const name of ['access.log.3', 'access.log.2', 'access.log.1', 'access.log']) {
      const file = join(dir, name);
      expect(statSync(file).size).toBeLessThanOrEqual(smallestLimit);
      expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
      // Every line parses: none was cut at a file's end.
      ids.push(...linesOf(file).map((line) => line.id));
    }
    expect(ids.length).toBeGreaterThan(3 * 40);
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
    expect(linesOf(accessLogFile(dir)).at(-1)!.request.uri).toBe(`/${count - 1}/${long}`);
  });

  it('a folder where access.log should be: a problem that says what to do, the proxy keeps answering, and it recovers once moved', async () => {
    const { core, dir, get, stop } = await setUp();
    const file = accessLogFile(dir);
    mkdirSync(file);
    const heard: Problem[][] = [];
    const listener = (event: { name: string; payload: unknown }) => {
      if (event.name === 'problems.changed') heard.push(event.payload as Problem[]);
    };
    core.events.on('event', listener);
    cleanups.push(() => core.events.off('event', listener));
    await must(core.run('settings.update', { accessLog: true }));
    expect(await get('/refused')).toBe('alpha');
    const [problem] = await until('the problem', async () => {
      const now = await problems(core);
      return now.length ? now : undefined;
    });
    expect(problem).toEqual({
      code: 'ACCESS_LOG_FAILED',
      message: `The access log ${file} cannot be written: it is a folder. 1 exchange was not logged so far; Switchyard tries again every 2 s. To fix it move the folder ${file} out of the way, or turn the log off with \`switchyard settings --set accessLog=off\`. The proxy keeps running.`,
    });
    expect(heard.at(-1)).toEqual([problem]);
    expect(await get('/still-answered')).toBe('alpha');
    // Switched off, there is nothing left to fix; on again, the folder is still in the way.
    await must(core.run('settings.update', { accessLog: false }));
    expect(await problems(core)).toEqual([]);
    expect(heard.at(-1)).toEqual([]);
    await must(core.run('settings.update', { accessLog: true }));
    await until('the problem again', async () => {
      await get('/refused-again');
      return (await problems(core)).length ? true : undefined;
    });

    rmdirSync(file);
    // The next exchange after the retry is due is written, and the problem goes.
    await until('recovery', async () => {
      await get('/after-fix');
      return (await problems(core)).length === 0 ? true : undefined;
    });
    expect(heard.at(-1)).toEqual([]);
    await stop();
    const lines = linesOf(file);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.request.uri === '/after-fix')).toBe(true);
  });

  describe.skipIf(tmpfsUnavailable !== undefined)('on a full disk', () => {
    it('stops writing with a problem, the proxy keeps answering, no half line is left, and it recovers when space is freed', async () => {
      const disk: Tmpfs = mountTmpfs(DISK_SIZE);
      cleanups.push(() => disk.unmount());
      const dir = join(disk.path, 'data');
      const { core, get, stop } = await setUp(dir);
      await must(core.run('settings.update', { accessLog: true }));
      await get('/first');
      await until('the first line', () => (linesOf(accessLogFile(dir)).length === 1 ? true : undefined));

      const filler = join(disk.path, 'filler');
      fillDisk(filler);
      // Big lines, so a batch needs more room than a page the filler left.
      const long = 'y'.repeat(4_000);
      const [problem] = await until('the problem', async () => {
        await get(`/full/${long}`);
        const now = await problems(core);
        return now.length ? now : undefined;
      });
      expect(problem!.code).toBe('ACCESS_LOG_FAILED');
      expect(problem!.message).toMatch(/cannot be written: the disk is full\. \d+ exchanges? (was|were) not logged so far; .* To fix it free some space on the disk that holds /);
      expect(await get('/still-answered')).toBe('alpha');

      rmSync(filler);
      await until('recovery', async () => {
        await get('/after-fix');
        return (await problems(core)).length === 0 ? true : undefined;
      });
      await stop();
      // Every line parses (linesOf throws on a half line) and the log goes on after the gap.
      const uris = linesOf(accessLogFile(dir)).map((line) => line.request.uri);
      expect(uris[0]).toBe('/first');
      expect(uris.at(-1)).toBe('/after-fix');
    });
  });
});
