import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../helpers/backends';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cli, repoRoot, startServe, type ServeProcess } from '../helpers/cli';
import { request, tempDir } from '../helpers/core';

describe('CLI against a running `switchyard serve`', () => {
  const dir = tempDir();
  let serve: ServeProcess;
  let alpha: TestBackend;
  let beta: TestBackend;
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([startBackend('alpha'), startBackend('beta')]);
  });
  afterAll(async () => {
    await serve?.stop();
    await Promise.all([alpha.close(), beta.close()]);
    dir.remove();
  });

  it('says clearly when serve is not running', async () => {
    const result = await run('status');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^switchyard: Switchyard is not running for .*switchyard serve/);
  });

  it('serve prints the proxy port and the UI URL with its token', async () => {
    serve = await startServe(dir.path);
    expect(serve.output()).toContain(`${serve.connection.adminUrl}/#token=${serve.connection.token}`);
    expect(serve.output()).toMatch(new RegExp(`http 127\\.0\\.0\\.1:${serve.connection.httpPort}`));
    expect(serve.output()).toMatch(new RegExp(`https 127\\.0\\.0\\.1:${serve.connection.httpsPort}`));
  });

  it('adds a route with two backends that then alternate', async () => {
    const added = await run('route', 'add', 'Demo.localhost', '--backend', alpha.url, '--backend', beta.url);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain(`demo.localhost → ${alpha.url}, ${beta.url}`);
    // The HTTPS way to try it names the root to trust, which curl then verifies the chain with.
    const https = /or: curl --cacert (\S+) (https:\S+)/.exec(added.stdout);
    expect(https?.[2]).toBe(`https://demo.localhost:${serve.connection.httpsPort}/`);
    expect(readFileSync(https![1]!, 'utf8')).toContain('BEGIN CERTIFICATE');
    // A host no certificate can name gets the reason instead of an HTTPS command that would fail.
    const outside = await run('route', 'add', 'api.example.com', '--backend', alpha.url);
    expect(outside.stdout).not.toContain('https://');
    expect(outside.stdout).toMatch(/No HTTPS for it: api\.example\.com is outside the names this local CA may certify/);
    expect((await run('route', 'remove', 'api.example.com')).code).toBe(0);
    const bodies = [];
    for (let i = 0; i < 4; i++) bodies.push((await request(serve.connection.httpPort, 'demo.localhost')).body);
    expect(bodies).toEqual(['alpha', 'beta', 'alpha', 'beta']);
  });

  it('lists routes as a table and as JSON', async () => {
    const table = await run('route', 'list');
    expect(table.stdout).toMatch(/HOST\s+PATH\s+ALGORITHM\s+BACKENDS/);
    expect(table.stdout).toContain('demo.localhost');
    const json = JSON.parse((await run('route', 'list', '--json')).stdout);
    expect(json).toEqual([expect.objectContaining({ host: 'demo.localhost', path: '/', algorithm: 'round-robin' })]);
  });

  it('disables, enables, adds and removes backends by URL', async () => {
    expect((await run('backend', 'disable', 'demo.localhost', beta.url)).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await request(serve.connection.httpPort, 'demo.localhost')).body).toBe('alpha');
    expect((await run('backend', 'enable', 'demo.localhost', `${beta.url}/`)).code).toBe(0);
    expect((await run('backend', 'remove', 'demo.localhost', alpha.url)).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await request(serve.connection.httpPort, 'demo.localhost')).body).toBe('beta');
    expect((await run('backend', 'add', 'demo.localhost', alpha.url, '--weight', '2')).code).toBe(0);
    const route = JSON.parse((await run('route', 'list', '--json')).stdout)[0];
    expect(route.backends.map((b: { url: string; weight: number }) => [b.url, b.weight])).toEqual([
      [beta.url, 1],
      [alpha.url, 2],
    ]);
  });

  it('changes the algorithm and route settings with route set', async () => {
    const set = await run('route', 'set', 'demo.localhost', '--algorithm', 'least-connections', '--set', 'sticky=cookie', '--set', 'rateLimitRps=50', '--set', 'compression=on', '--set', 'hashKey=header:X-User');
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toMatch(/least-connections, .*sticky=cookie/);
    const route = JSON.parse((await run('route', 'list', '--json')).stdout)[0];
    expect(route).toMatchObject({
      algorithm: 'least-connections',
      settings: { sticky: 'cookie', rateLimitRps: 50, compression: true, hashKey: { source: 'header', name: 'x-user' } },
    });
    const bad = await run('route', 'set', 'demo.localhost', '--set', 'stickiness=on');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^switchyard: Unknown field in settings: stickiness\. Valid fields: hashKey, stripPrefix, .*, sticky, stickyCookie, /);
    const checks = await run('route', 'set', 'demo.localhost', '--set', 'healthCheck=off');
    expect(checks).toMatchObject({ code: 0, stderr: '' });
    expect((await run('route', 'set', 'demo.localhost', '--set', 'healthCheck=tcp')).code).toBe(0);
    const own = await run('backend', 'set', 'demo.localhost', alpha.url, '--set', 'healthPath=/ping', '--weight', '2');
    expect(own.stdout).toMatch(/weight 2, healthPath=\/ping/);
    expect((await run('backend', 'set', 'demo.localhost', alpha.url, '--set', 'healthPath=default')).stdout).not.toMatch(/healthPath/);
    const badValue = await run('route', 'set', 'demo.localhost', '--set', 'retries=eleven');
    expect(badValue.stderr).toMatch(/Retries is a whole number/);
    expect((await run('route', 'set', 'demo.localhost', '--set', 'sticky=off', '--set', 'rateLimitRps=0', '--algorithm', 'round-robin')).code).toBe(0);
  });

  it('status shows every backend with its health and why; drain stops new requests', async () => {
    const deadline = Date.now() + 5_000;
    let status = await run('status');
    while (!status.stdout.includes('● healthy') && Date.now() < deadline) status = await run('status');
    expect(status.stdout).toMatch(new RegExp(`● healthy\\s+${beta.url.replace(/[.]/g, '\\.')}`));
    expect(status.stdout).toMatch(/Check passed: connected$/m);
    const json = JSON.parse((await run('status', '--json')).stdout);
    expect(Object.values(json.backends).map((b) => (b as { status: string }).status)).toContain('healthy');
    // Route figures too, by route id, as the UI gets them.
    expect(json.live[json.routes[0].id]).toMatchObject({ receiving: expect.any(Number), requests: expect.any(Number), local: { '429': 0 } });

    expect((await run('backend', 'drain', 'demo.localhost', beta.url)).stdout).toMatch(/^Draining backend/);
    for (let i = 0; i < 3; i++) expect((await request(serve.connection.httpPort, 'demo.localhost')).body).toBe('alpha');
    expect((await run('status')).stdout).toMatch(/○ drained\s+http/);
    expect((await run('backend', 'enable', 'demo.localhost', beta.url)).code).toBe(0);
  });

  it('status --watch follows health and config events until Ctrl+C', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'switchyard.js'), 'status', '--watch', '--data-dir', dir.path]);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor(/Data dir/);
    await new Promise((r) => setTimeout(r, 300));
    await run('backend', 'disable', 'demo.localhost', alpha.url);
    await waitFor(/config\s+Backend http:\/\/127\.0\.0\.1:\d+ switched off\./);
    await waitFor(/· disabled/);
    child.kill('SIGINT');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    await run('backend', 'enable', 'demo.localhost', alpha.url);
  });

  it('settings shows and changes the listener limits; KEY=default puts one back', async () => {
    const changed = await run('settings', '--set', 'requestHeaderTimeoutMs=5000', '--set', 'maxConnections=100');
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/requestHeaderTimeoutMs\s+5000/);
    expect(changed.stdout).toMatch(/maxConnections\s+100/);
    const reset = await run('settings', '--json', '--set', 'requestHeaderTimeoutMs=default', '--set', 'maxConnections=default');
    expect(JSON.parse(reset.stdout)).toMatchObject({ requestHeaderTimeoutMs: 10_000, maxConnections: 4_096 });
    const refused = await run('settings', '--set', 'keepAliveTimeoutMs=soon');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^switchyard: The keep-alive timeout is a whole number of ms/);
  });

  it('prints one clear line and exits non-zero on errors', async () => {
    const duplicate = await run('route', 'add', 'demo.localhost', '--backend', alpha.url);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^switchyard: A route for demo\.localhost already exists/)]);

    const badUrl = await run('route', 'add', 'x.localhost', '--backend', 'ftp://127.0.0.1:3000');
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/starts with http:\/\/ or https:\/\//);

    const missing = await run('backend', 'disable', 'nope.localhost', alpha.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no route for nope\.localhost/);

    const usage = await run('route', 'frobnicate');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Unknown command/);
    expect((await run('route', 'list', '--bogus')).code).toBe(2);
  });

  it('finds the data dir through SWITCHYARD_DATA_DIR too', async () => {
    const status = await cli(['status', '--json'], { SWITCHYARD_DATA_DIR: dir.path });
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(status.stdout)).toMatchObject({ dataDir: dir.path, routeCount: 1, backendCount: 2 });
  });

  it('refuses a second serve on the same data dir', async () => {
    const second = await cli(['serve', '--data-dir', dir.path, '--http-port', '0', '--https-port', '0', '--admin-port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running/);
  });

  it('removes a route, and stops cleanly on SIGTERM', async () => {
    expect((await run('route', 'remove', 'demo.localhost')).code).toBe(0);
    expect((await request(serve.connection.httpPort, 'demo.localhost')).status).toBe(404);
    expect(await serve.stop()).toBe(0);
    expect(serve.output()).toContain('Switchyard stopped.');
  });
});
