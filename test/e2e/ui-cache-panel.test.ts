import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../helpers/backends';
import { tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, endUi, launchBrowser, openUi, root, routeItem, routePane, type Serve, startServe } from './ui-harness';

/*
 * End to end: a route's Cache tab with `switchyard serve` and a real
 * backend, in Debian's Chromium. With the cache off the tab says so and
 * its button turns it on; two curl requests for a cacheable URL make a hit
 * the panel counts and words; a response with Set-Cookie says why it was
 * not stored; purging (after a confirmation) empties the cache; the
 * Traffic trace of the hit shows its Cache-Status and sentence.
 * `UPDATE_SCREENSHOT=1` refreshes docs/cache-panel.png.
 */

const execFileAsync = promisify(execFile);

/** One GET through the proxy with curl; resolves with the Cache-Status it got. */
async function curlCacheStatus(port: number, host: string, path: string): Promise<string> {
  const { stdout } = await execFileAsync('curl', ['-s', '-o', '/dev/null', '-D', '-', '--max-time', '5', '-H', `Host: ${host}`, `http://127.0.0.1:${port}${path}`]);
  return /^cache-status: (.*)\r$/im.exec(stdout)?.[1] ?? '';
}

describe('the Cache tab, served by `switchyard serve`, in Chromium', { timeout: 120_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-cache-data-');
  const profileDir = tempDir('switchyard-e2e-cache-chromium-');
  const shotDir = tempDir('switchyard-e2e-cache-shot-');
  const { cli } = cliFor(dataDir.path);
  const host = 'api.localhost';
  let serve: Serve | undefined;
  let api: TestBackend | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    assertBuilt();
    // /products may be kept for a minute; /me sets a cookie, which a shared cache must not store without s-maxage.
    api = await startBackend('api', (req, res) => {
      req.resume();
      if (req.url === '/me') res.setHeader('set-cookie', 'session=abc; HttpOnly');
      else res.setHeader('cache-control', 'max-age=60');
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    serve = await startServe(dataDir.path);
    await cli('route', 'add', host, '--backend', api.url);
    browser = await launchBrowser(profileDir.path);
    await openUi(browser, serve);
  }, 60_000);

  afterAll(() => endUi(browser, serve, { backends: [api], dirs: [dataDir, profileDir, shotDir] }), 60_000);

  it('turns the cache on, counts a hit, says why a response was not stored, and purges', async () => {
    const { page } = browser!;
    const port = serve!.connection.httpPort;
    await routeItem(page, host).click();
    const pane = routePane(page, host);
    // An HTTP route's settings have the cache, and none of what only L4 routes have.
    await pane.getByRole('tab', { name: 'Settings' }).click();
    const settings = pane.getByRole('form', { name: `Settings for ${host}` });
    await settings.getByLabel('Cache responses (RFC 9111)').waitFor();
    for (const l4Only of ['Max connections', 'PROXY protocol to backends', 'Replies per datagram']) expect(await settings.getByLabel(l4Only).count(), l4Only).toBe(0);
    await settings.getByRole('button', { name: 'Cancel' }).click();
    await pane.getByRole('tab', { name: /Cache/ }).click();

    // -- Off: the tab says what the cache would do and turns it on.
    await pane.getByText('The cache is off for this route').waitFor();
    await pane.getByRole('button', { name: 'Turn the cache on' }).click();
    const figures = pane.getByLabel('Cache figures');
    await figures.waitFor();

    // -- Two requests for a cacheable URL: a miss that stores, then a hit.
    expect(await curlCacheStatus(port, host, '/products')).toMatch(/fwd=uri-miss;.*stored/);
    expect(await curlCacheStatus(port, host, '/products')).toMatch(/^Switchyard; hit/);
    expect(await curlCacheStatus(port, host, '/me')).toContain('not stored');
    expect(api!.requests).toHaveLength(2);
    // One hit of three: /products stored then hit, /me not stored.
    await figures.getByText('33%').waitFor();
    expect(await figures.getByLabel('Cache entries').textContent()).toBe('1');
    const decisions = pane.getByRole('region', { name: 'Recent cache decisions' });
    await decisions.getByText('Hit: answered from the cache').waitFor();
    await decisions.getByText('Miss: not in the cache; fetched from the backend and stored').waitFor();
    await decisions.getByText('not stored: response has Set-Cookie').waitFor();

    const shot = process.env.UPDATE_SCREENSHOT === '1' ? join(root, 'docs', 'cache-panel.png') : join(shotDir.path, 'cache-panel.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, animations: 'disabled' });
    expect(statSync(shot).size).toBeGreaterThan(0);

    // -- Purge one URL after a confirmation: Keep changes nothing, Purge empties it.
    await pane.getByLabel('URL or path to purge').fill('/products');
    await pane.getByRole('button', { name: 'Purge URL' }).click();
    const confirm = page.getByRole('dialog', { name: 'Purge the cache?' });
    await confirm.getByText('Drop the stored response for /products?').waitFor();
    await confirm.getByRole('button', { name: 'Keep' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await figures.getByLabel('Cache entries').textContent()).toBe('1');
    await pane.getByRole('button', { name: 'Purge URL' }).click();
    await confirm.getByRole('button', { name: 'Purge', exact: true }).click();
    await pane.getByRole('status').filter({ hasText: 'Purged 1 entry' }).waitFor();
    await expect.poll(() => figures.getByLabel('Cache entries').textContent()).toBe('0');
    // The next request goes to the backend again.
    expect(await curlCacheStatus(port, host, '/products')).toMatch(/fwd=uri-miss;.*stored/);
    expect(api!.requests).toHaveLength(3);
    await expect.poll(() => figures.getByLabel('Cache entries').textContent()).toBe('1');
    await pane.getByRole('button', { name: 'Purge everything' }).click();
    await confirm.getByText(`Drop everything ${host} has stored?`).waitFor();
    await confirm.getByRole('button', { name: 'Purge everything' }).click();
    await expect.poll(() => figures.getByLabel('Cache entries').textContent()).toBe('0');

    // -- The trace of the hit says what the cache did and why.
    await page.keyboard.press('Alt+2');
    const hit = page.getByRole('grid', { name: 'Traffic' }).locator('[role=row][data-id]').filter({ hasText: '/products' }).nth(1);
    await hit.click();
    const cache = page.getByRole('complementary', { name: 'Trace' }).getByRole('region', { name: 'Cache' });
    await cache.getByText(/Hit: answered from the cache, fresh for \d+ s more\./).waitFor();
    expect(await cache.textContent()).toContain('Cache-Status: Switchyard; hit; ttl=');
    expect(browser!.problems).toEqual([]);
  });
});
