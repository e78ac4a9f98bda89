import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, endUi, launchBrowser, openUi, root, routeItem, type Serve, startServe } from './ui-harness';

/*
 * End to end, in Debian's Chromium on `switchyard serve`: the sidebar's
 * Export config opens the export dialog; each format shows the config
 * `switchyard export --format` prints for the same routes, Save downloads
 * exactly that text under the format's file name, and Copy copies it.
 * `UPDATE_SCREENSHOT=1` refreshes docs/export.png.
 */

describe('export to a production config in the UI, in Chromium', { timeout: 120_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-export-data-');
  const profileDir = tempDir('switchyard-e2e-export-chromium-');
  const shotDir = tempDir('switchyard-e2e-export-shot-');
  let serve: Serve | undefined;
  let browser: Browser | undefined;
  const { cli } = cliFor(dataDir.path);

  beforeAll(async () => {
    assertBuilt();
    serve = await startServe(dataDir.path);
    // Backends on closed loopback ports, checks off: the routes are only exported.
    await cli('route', 'add', 'api.myapp.localhost', '--algorithm', 'weighted-round-robin', '--backend', 'http://127.0.0.1:3000', '--backend', 'http://127.0.0.1:3001', '--set', 'healthCheck=off', '--set', 'retries=1');
    await cli('backend', 'set', 'api.myapp.localhost', 'http://127.0.0.1:3000', '--weight', '3');
    await cli('route', 'add', 'shop.localhost', '--path', '/cart', '--algorithm', 'least-connections', '--backend', 'http://127.0.0.1:4000', '--backend', 'http://127.0.0.1:4001', '--set', 'sticky=cookie', '--set', 'rateLimitRps=20', '--set', 'healthCheck=off');
    await cli('route', 'add', `tcp://127.0.0.1:${await freePort()}`, '--backend', 'tcp://127.0.0.1:5432', '--set', 'healthCheck=off');
    browser = await launchBrowser(profileDir.path);
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.connection.adminUrl });
    await openUi(browser, serve);
    await routeItem(browser.page, 'api.myapp.localhost').waitFor();
  }, 60_000);

  afterAll(async () => {
    await endUi(browser, serve, { dirs: [dataDir, profileDir, shotDir] });
  }, 60_000);

  it('shows each format as the CLI exports it, and saves and copies that text', async () => {
    const { page } = browser!;
    await page.getByRole('button', { name: 'Export config' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export to a production config' });
    await dialog.waitFor();
    const preview = (label: string) => dialog.getByRole('textbox', { name: `${label} config` });

    for (const [format, label] of [
      ['haproxy', 'HAProxy'],
      ['gateway-api', 'Gateway API (HTTPRoute)'],
      ['nginx', 'nginx'],
    ] as const) {
      await dialog.getByRole('radio', { name: label }).check();
      const expected = await cli('export', '--format', format);
      await expect.poll(() => preview(label).inputValue()).toBe(expected);
    }

    const nginx = await preview('nginx').inputValue();
    expect(nginx).toContain('server 127.0.0.1:3000 weight=3');
    // The preview scrolled to the first upstream: weights and the notes beside them.
    await preview('nginx').evaluate((area: HTMLTextAreaElement) => {
      const line = area.value.split('\n').findIndex((text) => /^\s*upstream /.test(text));
      area.scrollTop = Math.max(0, line - 2) * parseFloat(getComputedStyle(area).lineHeight);
    });
    const shot = process.env.UPDATE_SCREENSHOT === '1' ? join(root, 'docs', 'export.png') : join(shotDir.path, 'export.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, animations: 'disabled' });
    expect(statSync(shot).size).toBeGreaterThan(0);

    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Save nginx.conf' }).click()]);
    expect(download.suggestedFilename()).toBe('nginx.conf');
    const saved = join(shotDir.path, 'saved.conf');
    await download.saveAs(saved);
    expect(readFileSync(saved, 'utf8')).toBe(nginx);

    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(nginx);

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });
});
