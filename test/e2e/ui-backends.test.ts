import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../helpers/backends';
import { request, tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, closeUi, launchBrowser, routeItem, routePane, type Serve, startServe } from './ui-harness';

/*
 * The route pane's backends and charts end to end, in Chromium against a
 * real `switchyard serve` and real backends: a backend answering 500 to
 * everything stands out though its checks pass, Drain then Resume, Remove
 * asks first, the settings' sections, the Charts tab, the weight column only
 * where weights apply, and the new-route form's strip-prefix option.
 * `E2E_SHOTS=<dir>` keeps the screenshots taken on the way.
 */

/** The brief's bound for a backend's errors to show after traffic. */
const errorsShownWithinMs = 2_000;
/** Requests sent to make errors and charts; bounded, to loopback only. */
const trafficRequests = 20;
/** The stylesheet's light-theme --danger, #c9372c. */
const lightDanger = 'rgb(201, 55, 44)';

/** A backend's rows (its tbody), found by its URL. */
const backendRows = (pane: Locator, page: Page, url: string) => pane.locator('tbody', { has: page.getByText(url, { exact: true }) });

describe('backends, charts and route forms in Chromium', { timeout: 90_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-backends-data-');
  const profileDir = tempDir('switchyard-e2e-backends-chromium-');
  const shotDir = process.env.E2E_SHOTS ?? tempDir('switchyard-e2e-backends-shot-').path;
  const { cli, listRoutes } = cliFor(dataDir.path);
  let serve: Serve | undefined;
  let ok: TestBackend | undefined;
  let failing: TestBackend | undefined;
  let spare: TestBackend | undefined;
  let browser: Browser | undefined;
  const host = 'shop.localhost';

  const shoot = (page: Page, name: string) => page.screenshot({ path: join(shotDir, `${name}.png`), animations: 'disabled' });
  const traffic = async (count: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push((await request(serve!.connection.httpPort, host)).status);
    return statuses;
  };
  const ourBackend = async (url: string) => (await listRoutes()).find((r) => r.host === host)?.backends.find((b) => b.url === url);

  beforeAll(async () => {
    assertBuilt();
    mkdirSync(shotDir, { recursive: true });
    [ok, failing, spare] = await Promise.all([
      startBackend('ok'),
      // Passes TCP checks, and answers every request with a 500.
      startBackend('failing', (req, res) => {
        req.resume();
        req.on('end', () => {
          res.statusCode = 500;
          res.end('boom');
        });
      }),
      startBackend('spare'),
    ]);
    serve = await startServe(dataDir.path);
    await cli('route', 'add', host, '--backend', ok.url, '--backend', failing.url, '--backend', spare.url);
    // Fast checks so Resume shows healthy again soon.
    await cli('route', 'set', host, '--set', 'healthIntervalMs=200', '--set', 'healthTimeoutMs=150');
    browser = await launchBrowser(profileDir.path);
    const handshake = browser.nextEventsHandshake();
    await browser.page.goto(`${serve.connection.adminUrl}/#token=${serve.connection.token}`);
    await routeItem(browser.page, host).click();
    await handshake;
    await routePane(browser.page, host).getByRole('switch', { name: `${ok.url} enabled`, exact: true }).waitFor();
  }, 60_000);

  afterAll(async () => {
    const problems = await closeUi(browser, serve);
    await Promise.all([ok?.close(), failing?.close(), spare?.close()]);
    dataDir.remove();
    profileDir.remove();
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows a backend that answers 500 to everything with its error rate in red within 2 s, though its checks pass', async () => {
    const { page } = browser!;
    const pane = routePane(page, host);
    const bad = backendRows(pane, page, failing!.url);
    const good = backendRows(pane, page, ok!.url);
    await expect.poll(() => bad.getByLabel(`${failing!.url} status`).textContent(), { timeout: 10_000 }).toBe('healthy');

    const statuses = await traffic(trafficRequests);
    const sentAt = Date.now();
    // Round-robin over three: a third of the answers are the failing backend's 500s.
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(0);
    const badge = bad.locator('.state-errors');
    await badge.waitFor({ timeout: errorsShownWithinMs });
    const shownAfterMs = Date.now() - sentAt;
    expect(shownAfterMs).toBeLessThan(errorsShownWithinMs);
    expect(await badge.textContent()).toBe('errors 100%');
    expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(lightDanger);
    // Still HEALTHY: its port answers, only its answers are wrong.
    expect(await bad.getByLabel(`${failing!.url} status`).textContent()).toBe('healthy');
    // Its counters: the 5xx and errors figures in the danger colour, the healthy backend's not.
    const fiveXx = statuses.filter((s) => s === 500).length;
    const badFigure = bad.locator('.figure', { hasText: '5xx' });
    // The counters arrive with the next push (at most a second behind the badge).
    await expect.poll(() => badFigure.textContent()).toBe(`5xx ${fiveXx}`);
    expect(await badFigure.getAttribute('class')).toContain('danger-text');
    // The route list counts them too, as a rate with its noun in the right number ("1 errors/min" it once said).
    await expect.poll(() => routeItem(page, host).locator('.route-item-meta > .danger-text').textContent()).toBe(` · ${fiveXx} ${fiveXx === 1 ? 'error' : 'errors'}/min`);
    expect(await bad.locator('.figure', { hasText: 'errors' }).getAttribute('class')).toContain('danger-text');
    expect(await good.locator('.state-errors').count()).toBe(0);
    expect(await good.locator('.figure', { hasText: 'errors' }).getAttribute('class')).not.toContain('danger-text');
    expect(await good.locator('.figure', { hasText: '2xx' }).textContent()).toMatch(/^2xx [1-9]/);
    expect(await good.locator('.figure', { hasText: 'p50' }).textContent()).toMatch(/^p50 [\d.]+ ms$/);
    console.log(`errors badge shown ${shownAfterMs} ms after the last of ${trafficRequests} requests`);
    await shoot(page, 'errors-1280');
    await page.setViewportSize({ width: 1024, height: 640 });
    // The table fits its pane at this size, counters included.
    expect(await page.locator('.table-wrap').evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
    await shoot(page, 'errors-1024x640');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows Weight only for algorithms that use it', async () => {
    const { page } = browser!;
    const pane = routePane(page, host);
    const weightHeader = pane.getByRole('columnheader', { name: 'Weight' });
    // round-robin takes turns whatever the weight.
    expect(await weightHeader.count()).toBe(0);
    expect(await pane.getByLabel(`${ok!.url} weight`, { exact: true }).count()).toBe(0);
    await pane.getByText('round-robin takes turns whatever the weight', { exact: false }).waitFor();
    // The label wraps the select, so its name also holds the chosen option.
    const algorithm = pane.getByRole('combobox', { name: `Algorithm for ${host}` });
    await algorithm.selectOption('least-connections');
    await weightHeader.waitFor();
    await pane.getByLabel(`${ok!.url} weight`, { exact: true }).waitFor();
    await algorithm.selectOption('round-robin');
    await weightHeader.waitFor({ state: 'detached' });
  });

  it('drains a backend, shows Resume with its switch off, and Resume brings it back healthy', async () => {
    const { page } = browser!;
    const pane = routePane(page, host);
    const rows = backendRows(pane, page, ok!.url);
    const status = rows.getByLabel(`${ok!.url} status`);
    const onSwitch = pane.getByRole('switch', { name: `${ok!.url} enabled`, exact: true });
    await pane.getByRole('button', { name: `Drain backend ${ok!.url}`, exact: true }).click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^(draining|drained)$/);
    const resume = pane.getByRole('button', { name: `Resume backend ${ok!.url}`, exact: true });
    await resume.waitFor();
    expect(await onSwitch.isChecked()).toBe(false);
    expect(await pane.getByRole('button', { name: `Drain backend ${ok!.url}`, exact: true }).count()).toBe(0);
    await shoot(page, 'drained');
    await resume.click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('healthy');
    expect(await onSwitch.isChecked()).toBe(true);
    await pane.getByRole('button', { name: `Drain backend ${ok!.url}`, exact: true }).waitFor();
    expect(await ourBackend(ok!.url)).toMatchObject({ enabled: true, draining: false });
  });

  it('asks before removing a backend: Escape keeps it, confirming removes it', async () => {
    const { page } = browser!;
    const pane = routePane(page, host);
    const dialog = page.getByRole('dialog', { name: 'Remove backend?' });
    await pane.getByRole('button', { name: `Remove backend ${spare!.url}`, exact: true }).click();
    await dialog.waitFor();
    await dialog.getByText(spare!.url, { exact: true }).waitFor();
    await shoot(page, 'remove-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await ourBackend(spare!.url)).toBeDefined();
    expect(await backendRows(pane, page, spare!.url).count()).toBe(1);

    await pane.getByRole('button', { name: `Remove backend ${spare!.url}`, exact: true }).click();
    await dialog.getByRole('button', { name: `Remove ${spare!.url}`, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await backendRows(pane, page, spare!.url).waitFor({ state: 'detached' });
    expect(await ourBackend(spare!.url)).toBeUndefined();
  });

  it('groups the route settings in sections, and Escape closes them', async () => {
    const { page } = browser!;
    const pane = routePane(page, host);
    const tab = (name: string) => pane.getByRole('tab', { name, exact: false });
    await tab('Settings').click();
    const form = pane.getByRole('form', { name: `Settings for ${host}` });
    for (const section of ['Routing', 'Balancing & sticky sessions', 'Health checks', 'Timeouts & retries']) {
      await form.getByRole('group', { name: section, exact: true }).waitFor();
    }
    await form.getByRole('group', { name: 'Health checks', exact: true }).getByLabel('Check every (ms)', { exact: true }).waitFor();
    await form.getByLabel('Retries', { exact: true }).focus();
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    expect(await tab('Backends').getAttribute('aria-selected')).toBe('true');
  });

  it('draws the Charts tab after traffic, fetching history again only when traffic moved, in light and dark and at 1024×640', async () => {
    const { page } = browser!;
    const pane = routePane(page, host);
    const fetched: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (r.url().endsWith('/api/v1/commands/routes.history')) fetched.push(r.url());
    };
    page.on('request', onRequest);
    await pane.getByRole('tab', { name: 'Charts' }).click();
    const canvases = pane.locator('.charts canvas');
    await expect.poll(() => canvases.count()).toBe(3);
    await pane.getByRole('img', { name: 'Requests and errors per second, last 15 minutes' }).waitFor();
    await pane.getByRole('img', { name: 'Error rate, last 15 minutes' }).waitFor();
    await pane.getByRole('img', { name: 'Latency to the response head, last 15 minutes' }).waitFor();
    const afterOpen = fetched.length;
    expect(afterOpen).toBeGreaterThanOrEqual(1);
    await traffic(trafficRequests);
    await expect.poll(() => fetched.length, { timeout: 5_000 }).toBeGreaterThan(afterOpen);
    page.off('request', onRequest);
    // Some drawing: the requests chart's canvas is not blank.
    const painted = await canvases.first().evaluate((canvas) => {
      const c = canvas as HTMLCanvasElement;
      const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let opaque = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) opaque++;
      return opaque;
    });
    expect(painted).toBeGreaterThan(0);
    await shoot(page, 'charts-light');
    await page.getByRole('radio', { name: 'Dark' }).check();
    await shoot(page, 'charts-dark');
    await page.setViewportSize({ width: 1024, height: 640 });
    await expect.poll(() => canvases.count()).toBe(3);
    // The charts take the new width when their ResizeObserver fires, a frame or so after the viewport changed:
    // until then the old canvases can stick out (22 px, seen once in three runs); once settled, nothing may.
    await expect.poll(() => page.locator('.route-detail').evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
    await shoot(page, 'charts-dark-1024x640');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('radio', { name: 'Auto' }).check();
    await pane.getByRole('tab', { name: 'Backends', exact: false }).click();
  });

  it('offers "Strip the path prefix" in the new-route form as soon as a path is typed, and saves it', async () => {
    const { page } = browser!;
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('n');
    const form = page.getByRole('form', { name: 'New route' });
    const strip = form.getByLabel('Strip the path prefix', { exact: true });
    const path = form.getByLabel('Path prefix (optional)', { exact: true });
    await form.getByLabel('Host', { exact: true }).fill('api.localhost');
    expect(await strip.count()).toBe(0);
    await path.pressSequentially('/api');
    await strip.waitFor();
    await path.fill('/');
    await strip.waitFor({ state: 'detached' });
    await path.fill('/api');
    await strip.check();
    await form.getByRole('button', { name: 'Add route', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    expect((await listRoutes()).find((r) => r.host === 'api.localhost')).toMatchObject({ path: '/api', settings: { stripPrefix: true } });
    expect(browser!.problems).toEqual([]);
  });
});
