import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../helpers/backends';
import { tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, endUi, launchBrowser, openUi, routeItem, routePane, type Serve, startServe } from './ui-harness';

/*
 * The app's shell end to end, in Chromium against a real `switchyard serve`:
 * favicon, search, keyboard shortcuts, the proxy settings area, the theme,
 * a small window, and what the page does when the server goes away and
 * comes back on the same ports.
 */

/** The brief's bound for showing a lost connection. */
const lostWithinMs = 2_000;

/** Shortcuts are keys pressed outside text fields: start from nothing focused. */
const blur = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

describe('the app shell in Chromium', { timeout: 90_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-shell-data-');
  const profileDir = tempDir('switchyard-e2e-shell-chromium-');
  const shotDir = tempDir('switchyard-e2e-shell-shot-');
  const { cli, listRoutes } = cliFor(dataDir.path);
  let serve: Serve | undefined;
  let backend: TestBackend | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    assertBuilt();
    backend = await startBackend('alpha');
    serve = await startServe(dataDir.path);
    for (const host of ['alpha.localhost', 'beta.localhost', 'gamma.localhost']) await cli('route', 'add', host, '--backend', backend.url);
    browser = await launchBrowser(profileDir.path);
    await openUi(browser, serve, (page) => routeItem(page, 'gamma.localhost').waitFor());
  }, 60_000);

  afterAll(() => endUi(browser, serve, { backends: [backend], dirs: [dataDir, profileDir, shotDir] }), 60_000);

  it('loads with its icon and without a failed request or console error', async () => {
    const { page, problems } = browser!;
    const icon = await page.locator('link[rel="icon"][type="image/svg+xml"]').getAttribute('href');
    const response = await page.request.get(new URL(icon!, page.url()).toString());
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('image/svg+xml');
    expect(problems).toEqual([]);
  });

  it('filters the route list as you type, after / focuses the search', async () => {
    const { page } = browser!;
    const search = page.getByRole('searchbox', { name: 'Search routes' });
    const items = page.getByRole('list', { name: 'Routes', exact: true }).getByRole('listitem');
    expect(await items.count()).toBe(3);
    await blur(page);
    await page.keyboard.press('/');
    expect(await search.evaluate((input) => input === document.activeElement)).toBe(true);
    await page.keyboard.type('bet');
    await expect.poll(() => items.count()).toBe(1);
    await routeItem(page, 'beta.localhost').waitFor();
    await search.fill('nothing-like-it');
    await page.getByText('No route matches “nothing-like-it”.').waitFor();
    // Escape clears it.
    await search.press('Escape');
    await expect.poll(() => items.count()).toBe(3);
  });

  it('switches areas with g s / Alt+1, shows the shortcuts with ?, and saves proxy settings with the core’s errors next to fields', async () => {
    const { page } = browser!;
    const settingsTitle = page.getByRole('heading', { name: 'Proxy settings', level: 1 });
    await blur(page);
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await settingsTitle.waitFor();
    await page.keyboard.press('Alt+1');
    await page.getByRole('heading', { name: 'Routes', level: 1 }).waitFor();
    await page.keyboard.press('Alt+4');
    await settingsTitle.waitFor();
    // Alt+N opens the sidebar's Nth area, as in most desktop apps (Alt+3 once skipped Certificates for Proxy settings).
    const areaButtons = page.getByRole('navigation', { name: 'Areas' }).getByRole('button');
    const areaCount = await areaButtons.count();
    expect(areaCount).toBe(4);
    for (let n = 1; n <= areaCount; n++) {
      await page.keyboard.press(`Alt+${n}`);
      await expect.poll(() => areaButtons.nth(n - 1).getAttribute('aria-current')).toBe('page');
    }

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('New route').waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    const form = page.getByRole('form', { name: 'Proxy settings' });
    const timeout = form.getByLabel('Request head timeout (ms)', { exact: true });
    await expect.poll(() => timeout.inputValue()).toBe('10000');
    await timeout.fill('5');
    await form.getByRole('button', { name: 'Save settings' }).click();
    const error = form.locator('.field').filter({ has: page.getByLabel('Request head timeout (ms)', { exact: true }) }).getByRole('alert');
    expect(await error.textContent()).toMatch(/at least 100/);
    expect(JSON.parse(await cli('settings', '--json'))).toMatchObject({ requestHeaderTimeoutMs: 10_000 });
    await timeout.fill('15000');
    await form.getByLabel('Connection limit', { exact: true }).fill('2000');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByRole('status').getByText('Saved', { exact: false }).waitFor();
    expect(JSON.parse(await cli('settings', '--json'))).toMatchObject({ requestHeaderTimeoutMs: 15_000, maxConnections: 2_000 });
    // Escape drops an unsaved edit.
    await timeout.fill('20000');
    await timeout.press('Escape');
    expect(await timeout.inputValue()).toBe('15000');
    await page.keyboard.press('Alt+1');
  });

  it('remembers a light or dark theme and can follow the system again', async () => {
    const { page } = browser!;
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? 'system');
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const light = await background();
    await page.getByRole('radio', { name: 'Dark' }).check();
    expect(await theme()).toBe('dark');
    const dark = await background();
    expect(dark).not.toBe(light);
    await page.reload();
    await routeItem(page, 'gamma.localhost').waitFor();
    expect(await theme()).toBe('dark');
    expect(await page.getByRole('radio', { name: 'Dark' }).isChecked()).toBe(true);
    // The context prefers light, so following the system is light again.
    await page.getByRole('radio', { name: 'Auto' }).check();
    expect(await theme()).toBe('system');
    expect(await background()).toBe(light);
  });

  it('fits a 1024×640 window without sideways scrolling', async () => {
    const { page } = browser!;
    await page.setViewportSize({ width: 1024, height: 640 });
    await routeItem(page, 'alpha.localhost').click();
    await routePane(page, 'alpha.localhost').getByRole('switch', { name: `${backend!.url} enabled` }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    // Nothing in the pane is cut off either: it scrolls inside itself when it must.
    const pane = await page.locator('.route-detail').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(pane).toBe(0);
    // At this size the backends table fits its pane whole, Drain and Remove included.
    const table = await page.locator('.table-wrap').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(table).toBe(0);
    // and a backend's address is not broken across lines.
    const lines = await page.locator('.backends code').first().evaluate((el) => {
      const text = document.createRange();
      text.selectNodeContents(el);
      return text.getClientRects().length;
    });
    expect(lines).toBe(1);
    await page.screenshot({ path: join(shotDir.path, 'shell-1024x640.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('scrolls a new route into view in a long list, selects and announces it; arrows move through the list', async () => {
    const { page } = browser!;
    const { adminUrl, token } = serve!.connection;
    // Enough routes that the list scrolls at this height; through the admin API, as the UI does.
    for (let i = 0; i < 12; i++) {
      const response = await fetch(`${adminUrl}/api/v1/commands/routes.create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ host: `filler${String(i).padStart(2, '0')}.localhost` }),
      });
      expect(response.status).toBe(200);
    }
    await page.setViewportSize({ width: 1024, height: 640 });
    await routeItem(page, 'filler11.localhost').waitFor();
    const list = page.getByRole('list', { name: 'Routes', exact: true });
    expect(await list.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await list.evaluate((el) => el.scrollTo(0, 0));

    await blur(page);
    await page.keyboard.press('n');
    const form = page.getByRole('form', { name: 'New route' });
    await form.getByLabel('Host', { exact: true }).fill('zz-new.localhost');
    await form.getByRole('button', { name: 'Add route', exact: true }).click();
    const item = routeItem(page, 'zz-new.localhost');
    await expect.poll(() => item.getAttribute('aria-current')).toBe('true');
    // Scrolled into view by the list's focus effect, which may run a task after the redraw that set aria-current.
    const visible = () =>
      item.evaluate((el) => {
        const box = el.getBoundingClientRect();
        const view = el.closest('ul')!.getBoundingClientRect();
        return box.top >= view.top && box.bottom <= view.bottom;
      });
    await expect.poll(visible).toBe(true);
    await page.locator('[aria-live="polite"]').getByText('Route zz-new.localhost created and selected.').waitFor();
    await routePane(page, 'zz-new.localhost').getByText('No backends: requests to this route get a 503', { exact: false }).waitFor();

    // Up from the focused new item selects the one above it.
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => routeItem(page, 'gamma.localhost').getAttribute('aria-current')).toBe('true');
    await routePane(page, 'gamma.localhost').waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('greys the UI with a banner within 2 s of the server stopping, and refreshes everything when it is back', async () => {
    const { page } = browser!;
    const { http, admin } = { http: serve!.connection.httpPort, admin: Number(new URL(serve!.connection.adminUrl).port) };
    const banner = page.getByRole('alert').filter({ hasText: 'Lost the connection to Switchyard — reconnecting…' });
    const status = page.getByLabel('Proxy status');
    const app = page.locator('.app');

    const stoppedAt = Date.now();
    const exit = await serve!.stop();
    expect(exit).toMatchObject({ code: 0 });
    await banner.waitFor({ timeout: lostWithinMs });
    expect(Date.now() - stoppedAt).toBeLessThan(lostWithinMs);
    expect(await app.getAttribute('class')).toContain('stale');
    await status.getByText('Disconnected from Switchyard — reconnecting…').waitFor();
    expect(await status.locator('.dot').getAttribute('class')).toBe('dot stale');

    // Back on the same ports with the same token: the page reconnects by itself and reloads its state.
    const reloaded = new Set<string>();
    page.on('request', (r) => {
      const name = /\/api\/v1\/commands\/(.+)$/.exec(new URL(r.url()).pathname)?.[1];
      if (name) reloaded.add(name);
    });
    serve = await startServe(dataDir.path, { http, admin });
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    expect(await app.getAttribute('class')).not.toContain('stale');
    await status.getByText(`Proxy listening on port ${http}`).waitFor();
    expect([...reloaded]).toEqual(expect.arrayContaining(['routes.list', 'status', 'backends.live', 'timeline.list']));
    // And live again: a change reaches the page.
    await cli('route', 'add', 'delta.localhost', '--backend', backend!.url);
    await routeItem(page, 'delta.localhost').waitFor();
    expect((await listRoutes()).map((r) => r.host)).toContain('delta.localhost');
  });
});
