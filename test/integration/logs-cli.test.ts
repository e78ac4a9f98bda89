import { spawn, type ChildProcess } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../../src/shared/traffic';
import { startBackend, type TestBackend } from '../helpers/backends';
import { cli, repoRoot, startServe, type ServeProcess } from '../helpers/cli';
import { freePorts, request, tempDir } from '../helpers/core';

// `switchyard logs` against a real serve: requests through the proxy on real
// sockets, the CLI as a real process.

/** How long a record may take to show: the exchange is recorded as its response ends. */
const SHOW_WITHIN_MS = 10_000;
const POLL_MS = 50;
/** Exchanges that end at once in the sampling test: more than a batch carries (200). */
const BURST = 500;
/** "2026-12-01T09:00:00.123Z 127.0.0.1 GET demo.localhost/users 200 1.2ms - → http://127.0.0.1:3001" */
const line = (host: string, path: string, status: number, backend: string) =>
  new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z 127\\.0\\.0\\.1 GET ${host.replaceAll('.', '\\.')}${path.replaceAll('?', '\\?')} ${status} \\d+\\.\\dms - → ${backend.replaceAll('.', '\\.')}$`);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + SHOW_WITHIN_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('switchyard logs', () => {
  const dir = tempDir();
  let serve: ServeProcess;
  let alpha: TestBackend;
  let beta: TestBackend;
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);
  const get = (host: string, path = '/') => request(serve.connection.httpPort, host, path);

  /** `logs` once every exchange made so far is in the record. */
  const logsOf = async (count: number, ...args: string[]) =>
    until(`${count} lines of logs ${args.join(' ')}`, async () => {
      const result = await run('logs', ...args);
      const lines = result.stdout.split('\n').filter(Boolean);
      return result.code === 0 && lines.length >= count ? lines : undefined;
    });

  const following: ChildProcess[] = [];
  /** `logs` with `args` running in its own process group; what it prints collects in `out()` and `err()`. */
  function follow(...args: string[]) {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'switchyard.js'), 'logs', ...args, '--data-dir', dir.path], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    following.push(child);
    let output = '';
    let errors = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (errors += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, out: () => output, err: () => errors, exited };
  }
  afterEach(() => {
    // Each follower runs in a process group of its own: end the group, whatever the test did.
    for (const child of following.splice(0)) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([startBackend('alpha'), startBackend('beta')]);
    serve = await startServe(dir.path);
    expect((await run('route', 'add', 'demo.localhost', '--backend', alpha.url, '--set', 'healthCheck=off')).code).toBe(0);
    expect((await run('route', 'add', 'other.localhost', '--backend', beta.url, '--set', 'healthCheck=off')).code).toBe(0);
  });
  afterAll(async () => {
    await serve?.stop();
    await Promise.all([alpha.close(), beta.close()]);
    dir.remove();
  });

  it('prints one line per exchange, oldest first, with the query hidden', async () => {
    for (let i = 0; i < 3; i++) expect((await get('demo.localhost', `/users?token=secret${i}`)).body).toBe('alpha');
    const lines = await logsOf(3);
    expect(lines).toHaveLength(3);
    for (const text of lines) expect(text).toMatch(line('demo.localhost', '/users?…', 200, alpha.url));
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('--json prints each record as one JSON line; --limit keeps the newest', async () => {
    const records = (await logsOf(3, '--json')).map((text) => JSON.parse(text) as TrafficRecord);
    expect(records.map((r) => [r.host, r.path, r.status, r.backend])).toEqual(Array(3).fill(['demo.localhost', '/users?…', 200, alpha.url]));
    expect(records.map((r) => r.id)).toEqual([...records.map((r) => r.id)].sort((a, b) => a - b));
    const newest = (await run('logs', '--json', '--limit', '1')).stdout.trim().split('\n');
    expect(newest.map((text) => (JSON.parse(text) as TrafficRecord).id)).toEqual([records.at(-1)!.id]);
    const bad = await run('logs', '--limit', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^switchyard: --limit takes a whole number of exchanges, not "lots"\./);
  });

  it('--route shows one route; an unknown one is a sentence and exit 1', async () => {
    expect((await get('other.localhost', '/beta')).body).toBe('beta');
    const other = await logsOf(1, '--route', 'other.localhost');
    expect(other).toHaveLength(1);
    expect(other[0]).toMatch(line('other.localhost', '/beta', 200, beta.url));
    expect(await logsOf(3, '--route', 'demo.localhost/')).toHaveLength(3);
    const unknown = await run('logs', '--route', 'nope.localhost');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('switchyard: There is no route for nope.localhost. See them with `switchyard route list`.');
  });

  it('shows Envoy flags, the backend and the attempts of a failed exchange', async () => {
    const [first, second] = await freePorts(2);
    const dead = [`http://127.0.0.1:${first}`, `http://127.0.0.1:${second}`];
    expect((await run('route', 'add', 'dead.localhost', '--backend', dead[0]!, '--backend', dead[1]!, '--set', 'healthCheck=off')).code).toBe(0);
    expect((await get('dead.localhost', '/x')).status).toBe(502);
    const [text] = await logsOf(1, '--route', 'dead.localhost');
    expect(text).toMatch(/ GET dead\.localhost\/x 502 \d+\.\dms UF,URX → http:\/\/127\.0\.0\.1:\d+ \(2 attempts\)$/);
  });

  it('--follow prints what is kept, then streams new exchanges until Ctrl+C', async () => {
    const { child, out, exited } = follow('--follow', '--route', 'other.localhost');
    // The kept exchange is listed once the stream is open: from then on nothing is missed.
    await until('the kept exchange', () => (out().includes('other.localhost/beta ') ? true : undefined));
    expect((await get('other.localhost', '/after')).body).toBe('beta');
    expect((await get('demo.localhost', '/not-this-route')).body).toBe('alpha');
    await until('the new exchange', () => (out().includes('other.localhost/after ') ? true : undefined));
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    const lines = out().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(line('other.localhost', '/after', 200, beta.url));
  });

  it('--follow says on stderr how many exchanges a sampled batch left out; shown and left out add up to all', async () => {
    // The backend holds every request until all have arrived, then answers them at once: far more than
    // 200 exchanges end within one 250 ms batch, so the stream must sample.
    const held: ServerResponse[] = [];
    const burst = await startBackend('burst', (req, res) => {
      req.resume();
      held.push(res);
      if (held.length === BURST) for (const waiting of held) waiting.end('ok');
    });
    try {
      expect((await run('route', 'add', 'burst.localhost', '--backend', burst.url, '--set', 'healthCheck=off')).code).toBe(0);
      // A kept exchange to list first: once it is printed, the stream is open.
      await get('demo.localhost', '/warm');
      expect((await logsOf(1, '--limit', '1'))[0]).toContain(' GET demo.localhost/warm ');
      const { child, out, err } = follow('-f', '--limit', '1');
      await until('the kept exchange', () => (out().includes(' GET demo.localhost/warm ') ? true : undefined));
      const answers = await Promise.all(Array.from({ length: BURST }, () => get('burst.localhost', '/b')));
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      const skipped = () => [...err().matchAll(/^… (\d+) exchanges not shown: more than 800\/s; all are in the access log if it is on$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      const shown = () => out().split('\n').filter((text) => text.includes(' GET burst.localhost/b ')).length;
      await until('every exchange shown or counted', () => (shown() + skipped() === BURST ? true : undefined));
      expect(skipped()).toBeGreaterThan(0);
      expect(err().split('\n').filter(Boolean).every((text) => text.startsWith('… '))).toBe(true);
      process.kill(-child.pid!, 'SIGINT');
    } finally {
      await burst.close();
    }
  });

  it('says why it lists nothing when no exchanges are kept', async () => {
    expect((await run('settings', '--set', 'trafficRecords=0')).code).toBe(0);
    try {
      const empty = await run('logs');
      expect(empty).toEqual({
        code: 0,
        stdout: '',
        stderr: 'No exchanges are kept in memory (proxy setting trafficRecords is 0). Keep some with `switchyard settings --set trafficRecords=10000`, or use --follow or the access log.\n',
      });
    } finally {
      expect((await run('settings', '--set', 'trafficRecords=default')).code).toBe(0);
    }
  });

  it('--follow ends with a sentence and exit 1 when serve stops', async () => {
    await get('demo.localhost', '/last');
    await logsOf(1);
    const { out, err, exited } = follow('-f', '--json');
    await until('the kept exchanges', () => (out().includes('\n') ? true : undefined));
    expect(await serve.stop()).toBe(0);
    expect(await exited).toBe(1);
    expect(err().trim()).toBe(
      `switchyard: The connection to Switchyard ended: it stopped, or its admin API closed the stream of exchanges. Start it with \`switchyard serve --data-dir ${dir.path}\`, then run \`switchyard logs --follow\` again.`,
    );
  });
});
