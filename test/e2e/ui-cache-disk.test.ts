import { execFile } from 'node:child_process';
import { readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../helpers/backends';
import { tempDir } from '../helpers/core';
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs';
import { assertBuilt, type Browser, cliFor, endUi, launchBrowser, openUi, routeItem, routePane, type Serve, startServe } from './ui-harness';

/*
 * End to end: a route whose cache is on disk, its folder on a read-only
 * filesystem (a tmpfs mounted ro; skipped without root). curl still gets
 * the backend's answer with a Cache-Status that says why nothing was
 * stored, and the Cache tab says "disk cache unavailable: …" with what to
 * do, and shows the size as on disk.
 */

const execFileAsync = promisify(execFile);

async function curl(port: number, host: string, path: string): Promise<{ status: string; body: string }> {
  const { stdout } = await execFileAsync('curl', ['-s', '-D', '-', '--max-time', '5', '-H', `Host: ${host}`, `http://127.0.0.1:${port}${path}`]);
  return { status: /^cache-status: (.*)\r$/im.exec(stdout)?.[1] ?? '', body: stdout.slice(stdout.indexOf('\r\n\r\n') + 4) };
}

if (tmpfsUnavailable) console.log(`disk cache e2e skipped: ${tmpfsUnavailable}`);

describe.skipIf(tmpfsUnavailable !== undefined)('the Cache tab of a disk cache that cannot write, in Chromium', { timeout: 120_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-diskcache-data-');
  const profileDir = tempDir('switchyard-e2e-diskcache-chromium-');
  const { cli } = cliFor(dataDir.path);
  const host = 'disk.localhost';
  let serve: Serve | undefined;
  let api: TestBackend | undefined;
  let browser: Browser | undefined;
  let readOnly: Tmpfs | undefined;

  beforeAll(async () => {
    assertBuilt();
    api = await startBackend('api', (req, res) => {
      req.resume();
      res.setHeader('cache-control', 'max-age=60');
      res.end('{"ok":true}');
    });
    serve = await startServe(dataDir.path);
    await cli('route', 'add', host, '--backend', api.url, '--set', 'cache=on', '--set', 'cacheStorage=disk', '--set', 'healthCheck=off');
    // The route's folder, made when the route was applied, moves onto a read-only filesystem.
    const [folder] = readdirSync(join(dataDir.path, 'cache'));
    readOnly = mountTmpfs('ro,size=64k');
    rmSync(join(dataDir.path, 'cache', folder!), { recursive: true, force: true });
    symlinkSync(readOnly.path, join(dataDir.path, 'cache', folder!));
    browser = await launchBrowser(profileDir.path);
    await openUi(browser, serve);
  }, 60_000);

  afterAll(async () => {
    await endUi(browser, serve, { backends: [api], dirs: [profileDir] });
    readOnly?.unmount();
    dataDir.remove();
  }, 60_000);

  it('answers from the backend, and the tab says the disk cache is unavailable and what to do', async () => {
    const port = serve!.connection.httpPort;
    const answer = await curl(port, host, '/items');
    expect(answer.body).toBe('{"ok":true}');
    expect(answer.status).toMatch(/^Switchyard; fwd=uri-miss; fwd-status=200; detail="not stored: disk cache unavailable: .* is on a read-only filesystem\./);
    expect((await curl(port, host, '/items')).body).toBe('{"ok":true}');
    expect(api!.requests).toHaveLength(2);

    const { page } = browser!;
    await routeItem(page, host).click();
    const pane = routePane(page, host);
    await pane.getByRole('tab', { name: /Cache/ }).click();
    const alert = pane.getByRole('alert').filter({ hasText: 'disk cache unavailable' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/is on a read-only filesystem\. Remount it read-write, or set the route's cacheStorage to memory; requests go to the backends uncached meanwhile\.$/);
    await pane.getByLabel('Cache figures').getByText('On disk').waitFor();

    await pane.getByRole('tab', { name: 'Settings' }).click();
    const settings = pane.getByRole('form', { name: `Settings for ${host}` });
    expect(await settings.getByLabel('Keep the cache').inputValue()).toBe('disk');
    expect(await settings.getByLabel('Disk cache size (MB)').inputValue()).toBe('256');
  });
});
