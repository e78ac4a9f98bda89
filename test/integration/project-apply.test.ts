import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../src/shared/model';
import { cli, repoRoot, startServe, type ServeProcess } from '../helpers/cli';
import { request, tempDir } from '../helpers/core';
import { startBackend, type TestBackend } from '../helpers/backends';

const project = (backends: TestBackend[], extra: { retries?: number; second?: boolean } = {}) => ({
  version: 1,
  routes: [
    {
      host: 'api.localhost',
      ...(extra.retries === undefined ? {} : { settings: { retries: extra.retries } }),
      backends: [{ url: backends[0]!.url, weight: 3 }, { url: backends[1]!.url }],
    },
    ...(extra.second === false ? [] : [{ host: 'web.example.test', path: '/app', algorithm: 'least-connections', backends: [{ url: backends[1]!.url, health: { healthPath: '/ping' } }] }]),
  ],
  settings: { trafficRecords: 500 },
});

describe('switchyard apply and export (real serve, real CLI, real backends)', () => {
  const dir = tempDir('switchyard-project-');
  const data = join(dir.path, 'data');
  const file = join(dir.path, 'switchyard.json');
  let serve: ServeProcess;
  let backends: TestBackend[];
  const run = (...args: string[]) => cli([...args, '--data-dir', data]);
  const routes = async () => JSON.parse((await run('route', 'list', '--json')).stdout) as Route[];
  const write = (value: unknown) => writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));

  beforeAll(async () => {
    backends = [await startBackend('one'), await startBackend('two')];
    serve = await startServe(data);
  });
  afterAll(async () => {
    await serve?.stop();
    await Promise.all(backends.map((backend) => backend.close()));
    dir.remove();
  });

  it('prints the diff with --dry-run and changes nothing', async () => {
    write(project(backends, { retries: 3 }));
    const dry = await run('apply', file, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toContain('+ route api.localhost\n    algorithm: round-robin\n');
    expect(dry.stdout).toContain(`backend ${backends[0]!.url} (weight 3)`);
    expect(dry.stdout).toContain('retries: 2 → 3');
    expect(dry.stdout).toContain('~ proxy settings\n    trafficRecords: 10000 → 500');
    expect(dry.stdout).toContain('(dry run: nothing applied)');
    expect(await routes()).toEqual([]);
  });

  it('applies the file, the routes carry traffic, and a second apply has nothing to change', async () => {
    const applied = await run('apply', file);
    expect(applied.stdout).toContain(`Applied 3 changes from ${file}.`);
    const [api, web] = await routes();
    expect(api).toMatchObject({ host: 'api.localhost', path: '/', algorithm: 'round-robin', settings: { retries: 3 }, backends: [{ url: backends[0]!.url, weight: 3 }, { url: backends[1]!.url, weight: 1 }] });
    expect(web).toMatchObject({ host: 'web.example.test', path: '/app', algorithm: 'least-connections', backends: [{ url: backends[1]!.url, health: { healthPath: '/ping' } }] });
    const answer = await request(serve.connection.httpPort, 'api.localhost');
    expect(['one', 'two']).toContain(answer.body);
    const again = await run('apply', file);
    expect(again.stdout).toBe(`Nothing to change: the running set-up is ${file}'s.\n`);
  });

  it('exports a file that applies back to exactly the running set-up', async () => {
    const exported = await run('export');
    expect(exported.code).toBe(0);
    const text = JSON.parse(exported.stdout) as { $schema: string; version: number; routes: unknown[] };
    expect(text).toMatchObject({ $schema: 'urn:switchyard:project:v1', version: 1, settings: { trafficRecords: 500 } });
    expect((await run('export', '--format', 'switchyard')).stdout).toBe(exported.stdout);
    const copy = join(dir.path, 'exported.json');
    expect((await run('export', '--out', copy)).stdout).toContain(`Wrote ${copy}`);
    expect((await run('apply', copy)).stdout).toBe(`Nothing to change: the running set-up is ${copy}'s.\n`);
  });

  it('puts a setting the file leaves out back to its default', async () => {
    write(project(backends));
    const applied = await run('apply', file);
    expect(applied.stdout).toContain('~ route api.localhost\n    retries: 3 → 2');
    expect((await routes())[0]!.settings.retries).toBe(2);
  });

  it('refuses an invalid file with FILE:line:column and the JSON path, and changes nothing', async () => {
    const before = await routes();
    const broken = JSON.stringify(project(backends), null, 2).replace(`"url": "${backends[1]!.url}"`, '"url": "http://127.0.0.1"');
    write(broken);
    const refused = await run('apply', file);
    expect(refused.code).toBe(1);
    const line = broken.split('\n').findIndex((text) => text.includes('"http://127.0.0.1"')) + 1;
    expect(refused.stderr).toBe(`switchyard: ${file}:${line}:11: routes.0.backends.1.url: Add the port the backend listens on, for example http://127.0.0.1:3000.\n`);
    write('{\n  "version": 1,\n  "routes": [\n    { "host": "x.localhost" },\n  ]\n}');
    expect((await run('apply', file)).stderr).toBe(`switchyard: ${file}:5:3: JSON allows no comma before ].\n`);
    expect(await routes()).toEqual(before);
  });

  it('keeps what the file does not name unless --prune', async () => {
    write(project(backends, { second: false }));
    const kept = await run('apply', file);
    expect(kept.stdout).toContain('Not in the file, kept (--prune removes them):\n  route web.example.test/app');
    expect((await routes()).map((route) => route.host)).toEqual(['api.localhost', 'web.example.test']);
    const pruned = await run('apply', file, '--prune');
    expect(pruned.stdout).toContain('- route web.example.test/app');
    expect((await routes()).map((route) => route.host)).toEqual(['api.localhost']);
  });

  it('--watch applies each save, reports a broken one and keeps the last good state', async () => {
    write(project(backends, { second: false }));
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'switchyard.js'), 'apply', file, '--watch', '--data-dir', data], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const until = async (what: () => boolean, label: string) => {
      const deadline = Date.now() + 10_000;
      while (!what()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}\nstdout: ${out}\nstderr: ${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await until(() => out.includes('Watching'), 'the watch to start');
      write(project(backends, { retries: 5, second: false }));
      await until(() => out.includes('retries: 2 → 5'), 'the first save');
      expect((await routes())[0]!.settings.retries).toBe(5);
      write('{ "version": 1, "routes": [ { "host": "bad host" } ] }');
      await until(() => err.includes('waiting for the next save'), 'the broken save');
      expect(err).toContain(`${file}:1:31: routes.0.host: Use a host name like`);
      expect((await routes())[0]!.settings.retries).toBe(5);
      write(project(backends, { retries: 4, second: false }));
      await until(() => out.includes('retries: 5 → 4'), 'the fixed save');
      expect((await routes())[0]!.settings.retries).toBe(4);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
