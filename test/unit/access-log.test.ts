import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordRing } from '../../src/main/core/engine/traffic/record-ring';
import { exchangeNote } from '../helpers/exchange-notes';
import { AccessLog, accessLogFile, keptFiles, maxQueuedBytes } from '../../src/main/core/traffic/access-log';

// The access log on real files, fed by the engine's real record ring.

const smallestLimit = 65_536;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});


function started(maxBytes = 10 * 1024 * 1024) {
  const dir = { path: mkdtempSync(join(tmpdir(), 'switchyard-access-log-')), remove: () => rmSync(dir.path, { recursive: true, force: true }) };
  const ring = new RecordRing(0);
  const problems: (string | null)[] = [];
  const logged: string[] = [];
  const log = new AccessLog({
    dataDir: dir.path,
    subscribe: (listener) => ring.subscribe(listener, { complete: true }),
    onProblem: (problem) => problems.push(problem),
    log: (line) => logged.push(line),
  });
  log.configure({ accessLog: true, accessLogMaxBytes: maxBytes });
  cleanups.push(() => dir.remove(), () => log.close());
  const add = (count: number, path?: string) => {
    for (let i = 0; i < count; i++) ring.add(exchangeNote({ path: path ?? '/users', at: Date.UTC(2026, 11, 1, 9), ttfbMs: 1.5, totalMs: 12.5 }));
  };
  return { dir: dir.path, ring, log, add, problems, logged };
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);

describe('access log', () => {
  it('writes each exchange as one JSON line with Caddy field names, in a file only its owner reads', async () => {
    const { dir, log, add, ring } = started();
    expect(ring.wanted).toBe(true);
    add(3);
    await log.close();
    const entries = lines(accessLogFile(dir)).map((line) => JSON.parse(line) as unknown);
    expect(entries).toHaveLength(3);
    expect(entries[0]).toEqual({
      ts: Date.UTC(2026, 11, 1, 9) / 1000,
      id: 1,
      request: { remote_ip: '127.0.0.1', proto: 'HTTP/1.1', method: 'GET', host: 'api.localhost', uri: '/users' },
      bytes_read: 0,
      status: 200,
      duration: 0.0125,
      size: 2,
      route: 'api.localhost',
      backend: 'http://127.0.0.1:3001',
      attempts: 1,
      flags: [],
    });
    expect(statSync(accessLogFile(dir)).mode & 0o777).toBe(0o600);
  });

  it(`rolls before a line would pass the limit: at most ${keptFiles} old files, each under the limit, no line split, the newest kept`, async () => {
    const { dir, log, add } = started(smallestLimit);
    // ~300 bytes a line: about 220 a file, so 2,000 lines roll 9 times.
    for (let batch = 0; batch < 4; batch++) {
      add(500, `/users/${'x'.repeat(100)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await log.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['access.log', 'access.log.1', 'access.log.2', 'access.log.3']);
    const ids: number[] = [];
    for (const name of ['access.log.3', 'access.log.2', 'access.log.1', 'access.log']) {
      const file = join(dir, name);
      expect(statSync(file).size).toBeLessThanOrEqual(smallestLimit);
      expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
      for (const line of lines(file)) ids.push((JSON.parse(line) as { id: number }).id);
    }
    // The kept files hold the newest exchanges, in order, none missing in between.
    expect(ids.at(-1)).toBe(2_000);
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
  });

  it('drops and counts what does not fit the queue instead of growing without bound', async () => {
    const { dir, log, add, logged } = started();
    const path = `/${'p'.repeat(1_000)}`;
    const lineBytes = JSON.stringify({ path }).length + 300;
    const count = Math.ceil((2 * maxQueuedBytes) / lineBytes);
    add(count, path);
    await log.close();
    const written = lines(accessLogFile(dir)).length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(count);
    expect(logged).toEqual([`The access log dropped ${count - written} exchanges: the disk was slower than the traffic (more than 4 MiB waited to be written).`]);
  });

  it('writes the records of the last 250 ms when it stops', async () => {
    const { dir, log, add } = started();
    add(5);
    await log.close();
    expect(lines(accessLogFile(dir))).toHaveLength(5);
  });

  it('stops hearing records when switched off, and starts a new file position when on again', async () => {
    const { dir, log, add, ring } = started();
    add(2);
    log.configure({ accessLog: false, accessLogMaxBytes: smallestLimit });
    expect(ring.wanted).toBe(false);
    add(2);
    log.configure({ accessLog: true, accessLogMaxBytes: smallestLimit });
    add(1);
    await log.close();
    expect(lines(accessLogFile(dir)).map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([1, 2, 5]);
  });
});
