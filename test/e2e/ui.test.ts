import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../helpers/backends';
import { request, tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, closeUi, launchBrowser, root, routeItem, routePane, type Serve, startServe } from './ui-harness';

/*
 * End to end: `switchyard serve` as a real child process, two real backends,
 * and Debian's Chromium driving the built UI (out/renderer): routes are made,
 * switched, weighted, configured and watched failing over through the UI.
 * `UPDATE_SCREENSHOT=1` refreshes docs/screenshot.png.
 */

/** Whether the element's box lies inside the viewport (scrolled into view). */
const inViewport = (page: Page, selector: string) =>
  page.evaluate((s) => {
    const box = document.querySelector(s)!.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  }, selector);

describe('the web UI, served by `switchyard serve`, in Chromium', { timeout: 90_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-data-');
  const profileDir = tempDir('switchyard-e2e-chromium-');
  const shotDir = tempDir('switchyard-e2e-shot-');
  const { cli, listRoutes } = cliFor(dataDir.path);
  let serve: Serve | undefined;
  let alpha: TestBackend | undefined;
  let beta: TestBackend | undefined;
  let flaky: TestBackend | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    assertBuilt();
    [alpha, beta] = await Promise.all([startBackend('alpha'), startBackend('beta')]);
    serve = await startServe(dataDir.path);
    expect(serve.connection.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.connection.httpPort).toBeGreaterThan(0);
    // The status block aligns its values: "  UI:       http://127.0.0.1:PORT/#token=…".
    expect(/^\s*UI:\s+(\S+)$/m.exec(serve.output())?.[1]).toBe(`${serve.connection.adminUrl}/#token=${serve.connection.token}`);
    browser = await launchBrowser(profileDir.path);
  }, 60_000);

  afterAll(async () => {
    const problems = await closeUi(browser, serve);
    await Promise.all([alpha?.close(), beta?.close(), flaky?.close()]);
    dataDir.remove();
    profileDir.remove();
    shotDir.remove();
    expect(problems).toEqual([]);
  }, 60_000);

  it('creates a route from the dialog, then switches, weights, configures and watches it fail over', { timeout: 90_000 }, async () => {
    const a = alpha!;
    const b = beta!;
    const { page } = browser!;
    const { connection } = serve!;
    const proxied = async (host: string, count: number) => {
      const bodies: string[] = [];
      for (let i = 0; i < count; i++) {
        const response = await request(connection.httpPort, host);
        expect(response.status).toBe(200);
        bodies.push(response.body);
      }
      return bodies;
    };

    // -- Open the UI with the token from connection.json.
    const handshake = browser!.nextEventsHandshake();
    await page.goto(`${connection.adminUrl}/#token=${connection.token}`);
    const statusBar = page.getByLabel('Proxy status');
    await statusBar.getByText(`Proxy listening on port ${connection.httpPort}`).waitFor();
    await page.getByText('No routes yet.').waitFor();
    // The token left the address bar but stays usable for the tab.
    expect(page.url()).toBe(`${connection.adminUrl}/`);
    await handshake;

    // -- The new-route form is a dialog on demand: N opens it at its first field, Escape closes it.
    const dialog = page.getByRole('dialog', { name: 'New route' });
    const form = dialog.getByRole('form', { name: 'New route' });
    const hostInput = form.getByLabel('Host', { exact: true });
    expect(await dialog.isVisible()).toBe(false);
    await page.keyboard.press('n');
    await hostInput.waitFor();
    await expect.poll(() => hostInput.evaluate((input) => input === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // -- Create demo.localhost with both backends from the list's button.
    await page.getByRole('region', { name: 'Route list' }).getByRole('button', { name: 'New route', exact: true }).click();
    await hostInput.fill('demo.localhost');
    await form.getByLabel('Backend URL 1', { exact: true }).fill(a.url);
    await form.getByRole('button', { name: '+ Another backend' }).click();
    await form.getByLabel('Backend URL 2', { exact: true }).fill(b.url);
    await form.getByRole('button', { name: 'Add route', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Selected in the list, focused and in view, announced, and shown in the pane.
    const demoItem = routeItem(page, 'demo.localhost');
    // Selection, focus and scroll may come a task after the redraw that closed the dialog (React's effects).
    await expect.poll(() => demoItem.getAttribute('aria-current')).toBe('true');
    await expect.poll(() => demoItem.evaluate((item) => item === document.activeElement)).toBe(true);
    await expect.poll(() => inViewport(page, '.route-item[aria-current="true"]')).toBe(true);
    await page.locator('[aria-live="polite"]').getByText('Route demo.localhost created and selected.').waitFor();
    const demo = routePane(page, 'demo.localhost');
    const alphaSwitch = demo.getByRole('switch', { name: `${a.url} enabled`, exact: true });
    const betaSwitch = demo.getByRole('switch', { name: `${b.url} enabled`, exact: true });
    await Promise.all([alphaSwitch.waitFor(), betaSwitch.waitFor()]);
    expect(await alphaSwitch.isChecked()).toBe(true);
    expect(await betaSwitch.isChecked()).toBe(true);
    await demo.getByText('2 of 2 backends receiving traffic').waitFor();
    await expect.poll(() => demoItem.getAttribute('aria-label')).toMatch(/2 of 2 receiving traffic/);

    // -- Round-robin through the proxy: both answer, alternating.
    const balanced = await proxied('demo.localhost', 4);
    expect(new Set(balanced)).toEqual(new Set(['alpha', 'beta']));
    for (let i = 1; i < balanced.length; i++) expect(balanced[i], balanced.join(',')).not.toBe(balanced[i - 1]);

    // -- Switch beta off in the UI; the very next requests all go to alpha.
    await betaSwitch.click();
    await expect.poll(() => betaSwitch.isChecked(), { timeout: 10_000 }).toBe(false);
    await demo.getByText('1 of 2 backends receiving traffic').waitFor();
    expect(await alphaSwitch.isChecked()).toBe(true);
    expect(await proxied('demo.localhost', 4)).toEqual(['alpha', 'alpha', 'alpha', 'alpha']);

    // -- A field error sits next to its field in the dialog, and nothing is created.
    await page.keyboard.press('n');
    await hostInput.fill('bad host!');
    await form.getByRole('button', { name: 'Add route', exact: true }).click();
    // `has` is resolved inside each candidate, so it takes a locator without the form prefix.
    const hostField = form.locator('.field').filter({ has: page.getByLabel('Host', { exact: true }) });
    expect(await hostField.count()).toBe(1);
    const hostError = hostField.getByRole('alert');
    await hostError.waitFor();
    expect(await hostError.textContent()).toMatch(/host name/i);
    expect(await hostInput.getAttribute('aria-invalid')).toBe('true');
    expect(await hostInput.getAttribute('aria-describedby')).toBe(await hostError.getAttribute('id'));
    // Field errors are not repeated in the page-level banner.
    expect(await page.locator('.banner').count()).toBe(0);
    expect((await listRoutes()).map((r) => r.host)).toEqual(['demo.localhost']);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // -- A change made with the CLI shows up in the open page without reload; the selection stays.
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    const added = await cli('route', 'add', 'cli.localhost', '--backend', a.url);
    expect(added).toContain('Added cli.localhost');
    const cliItem = routeItem(page, 'cli.localhost');
    await cliItem.waitFor();
    await expect.poll(() => cliItem.getAttribute('aria-label')).toMatch(/1 of 1 receiving traffic/);
    expect(await page.getByRole('list', { name: 'Routes', exact: true }).getByRole('listitem').count()).toBe(2);
    expect(await demoItem.getAttribute('aria-current')).toBe('true');
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect((await request(connection.httpPort, 'cli.localhost')).body).toBe('alpha');
    // Selecting it shows it in the pane.
    await cliItem.click();
    await routePane(page, 'cli.localhost').getByRole('switch', { name: `${a.url} enabled`, exact: true }).waitFor();
    await demoItem.click();
    await demo.waitFor();

    // -- Weights apply once the algorithm weighs (round-robin shows no Weight
    // column); a weight edited in place, a bad one refused next to the field.
    const alphaWeight = demo.getByLabel(`${a.url} weight`, { exact: true });
    expect(await alphaWeight.count()).toBe(0);
    await demo.getByRole('combobox', { name: 'Algorithm for demo.localhost' }).selectOption('weighted-round-robin');
    await alphaWeight.waitFor();
    await alphaWeight.fill('0');
    await alphaWeight.press('Enter');
    await demo.getByRole('alert').filter({ hasText: /whole number from 1 to 1000/ }).waitFor();
    await alphaWeight.fill('3');
    await alphaWeight.press('Enter');
    await expect.poll(async () => (await listRoutes()).find((r) => r.host === 'demo.localhost')!.backends.find((x) => x.url === a.url)!.weight).toBe(3);

    // -- Live traffic share: the counters arrive over the event stream.
    await proxied('demo.localhost', 10);
    const alphaShare = demo.getByLabel(`${a.url} share of recent requests`, { exact: true });
    await expect.poll(async () => Number((await alphaShare.textContent())?.replace('%', '')), { timeout: 10_000 }).toBeGreaterThan(50);

    // -- Route settings in the pane's Settings tab: a bad value is refused next to its field, a good one saved.
    const tab = (name: string) => demo.getByRole('tab', { name, exact: false });
    await tab('Settings').click();
    const settings = demo.getByRole('form', { name: 'Settings for demo.localhost' });
    await settings.getByLabel('Sticky sessions', { exact: true }).selectOption('cookie');
    await settings.getByLabel('Rate limit (requests/s)', { exact: true }).fill('lots');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('alert').filter({ hasText: /requests per second/ }).waitFor();
    expect((await listRoutes())[0]!.settings).toMatchObject({ sticky: 'off', rateLimitRps: 0 });
    await settings.getByLabel('Rate limit (requests/s)', { exact: true }).fill('100');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.waitFor({ state: 'detached' });
    expect(await tab('Backends').getAttribute('aria-selected')).toBe('true');
    await demo.getByText('sticky: cookie', { exact: true }).waitFor();
    await demo.getByText('limit 100/s per client', { exact: true }).waitFor();
    // Renaming onto an existing route is refused next to the Host field; Escape leaves the form unsaved.
    await tab('Settings').click();
    await settings.getByLabel('Host', { exact: true }).fill('cli.localhost');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('alert').filter({ hasText: /already serves cli\.localhost/ }).waitFor();
    await settings.getByLabel('Host', { exact: true }).press('Escape');
    await settings.waitFor({ state: 'detached' });
    expect(await tab('Backends').getAttribute('aria-selected')).toBe('true');
    expect((await listRoutes()).find((r) => r.host === 'demo.localhost')!.settings).toMatchObject({ sticky: 'cookie', rateLimitRps: 100 });
    const pinned = await request(connection.httpPort, 'demo.localhost');
    expect(pinned.headers['set-cookie']?.[0]).toMatch(/^switchyard_sticky=/);

    // -- Health, live: beta back on, then its server dies. Its row turns
    // unhealthy with the reason, the list marks the route degraded and the
    // header dot is no longer green, without a reload; it recovers when the
    // server comes back. Fast checks keep the test short.
    await cli('route', 'set', 'demo.localhost', '--set', 'healthIntervalMs=200', '--set', 'healthTimeoutMs=150', '--set', 'sticky=off');
    await betaSwitch.click();
    await expect.poll(() => betaSwitch.isChecked(), { timeout: 10_000 }).toBe(true);
    const betaStatus = demo.getByLabel(`${b.url} status`, { exact: true });
    const betaReason = demo.getByLabel(`${b.url} reason`, { exact: true });
    await expect.poll(() => betaStatus.textContent(), { timeout: 10_000 }).toBe('healthy');
    await expect.poll(() => demoItem.getAttribute('aria-label')).toMatch(/^demo\.localhost: All healthy, 2 of 2 receiving traffic/);
    const dot = statusBar.locator('.dot');
    await expect.poll(() => dot.getAttribute('class')).toBe('dot ok');
    await b.close();
    await expect.poll(() => betaStatus.textContent(), { timeout: 10_000 }).toBe('unhealthy');
    // 3 (healthFall) or more: checks every 200 ms may fail again before a coalesced push shows the change.
    expect(await betaReason.textContent()).toMatch(new RegExp(`[3-9] consecutive checks failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${b.port}`));
    expect(await demo.getByLabel(`${b.url} recent checks`).getAttribute('aria-label')).toMatch(/[1-9]\d* failed/);
    await expect.poll(() => demoItem.getAttribute('aria-label')).toMatch(/^demo\.localhost: Degraded, 1 of 2 receiving traffic/);
    await expect.poll(() => dot.getAttribute('class')).toBe('dot danger');
    // Its colour is the routes' state, not the listener's, and says so on hover.
    expect(await dot.getAttribute('title')).toBe('A route or a backend is down.');
    await page.getByRole('list', { name: 'Summary' }).getByText('1 down', { exact: true }).waitFor();
    // Traffic only reaches alpha meanwhile, with no errors.
    expect(new Set(await proxied('demo.localhost', 4))).toEqual(new Set(['alpha']));

    // -- The timeline opens in the pane, filtered by kind.
    await tab('Timeline').click();
    const timeline = demo.getByRole('list', { name: 'Timeline of demo.localhost' });
    const downEntry = timeline.getByText(`${b.url} is down`, { exact: false });
    await downEntry.waitFor();
    const configEntry = timeline.getByText('Route demo.localhost created', { exact: false });
    await configEntry.waitFor();
    const filter = demo.getByRole('group', { name: 'Show events' });
    await filter.getByRole('button', { name: 'Down', exact: true }).click();
    await configEntry.waitFor({ state: 'detached' });
    expect(await downEntry.isVisible()).toBe(true);
    await filter.getByRole('button', { name: 'Config', exact: true }).click();
    await downEntry.waitFor({ state: 'detached' });
    await configEntry.waitFor();
    await filter.getByRole('button', { name: 'All', exact: true }).click();
    await downEntry.waitFor();

    // -- Screenshot for the docs, during the failover with errors: a third
    // backend that answers every third request with a 500 joins; reload (the
    // token and the selection survive in sessionStorage; everything else
    // comes back from the core), with traffic so the share shows who takes
    // it and the flaky backend's errors show in red.
    let flakyCount = 0;
    flaky = await startBackend('flaky', (req, res) => {
      req.resume();
      req.on('end', () => {
        flakyCount += 1;
        res.statusCode = flakyCount % 3 === 0 ? 500 : 200;
        res.end('flaky');
      });
    });
    await cli('backend', 'add', 'demo.localhost', flaky.url);
    await page.reload();
    await routeItem(page, 'cli.localhost').waitFor();
    await expect.poll(() => betaStatus.textContent(), { timeout: 10_000 }).toBe('unhealthy');
    await expect.poll(() => demo.getByLabel(`${flaky!.url} status`, { exact: true }).textContent(), { timeout: 10_000 }).toBe('healthy');
    await statusBar.getByText(`Proxy listening on port ${connection.httpPort}`).waitFor();
    for (let i = 0; i < 24; i++) await request(connection.httpPort, 'demo.localhost');
    await expect.poll(async () => Number((await alphaShare.textContent())?.replace('%', '')), { timeout: 10_000 }).toBeGreaterThan(50);
    await demo.locator('tbody', { has: page.getByText(flaky.url, { exact: true }) }).locator('.state-errors').waitFor();
    const shot = process.env.UPDATE_SCREENSHOT === '1' ? join(root, 'docs', 'screenshot.png') : join(shotDir.path, 'screenshot.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, animations: 'disabled' });
    expect(statSync(shot).size).toBeGreaterThan(0);

    await cli('backend', 'remove', 'demo.localhost', flaky.url);
    await demo.getByText(flaky.url, { exact: true }).waitFor({ state: 'detached' });

    // -- The server comes back on the same port: healthy again, in rotation.
    beta = await startBackend('beta', undefined, b.port);
    await expect.poll(() => betaStatus.textContent(), { timeout: 10_000 }).toBe('healthy');
    expect(new Set(await proxied('demo.localhost', 4))).toEqual(new Set(['alpha', 'beta']));
    await expect.poll(() => demoItem.getAttribute('aria-label')).toMatch(/^demo\.localhost: All healthy/);
    expect(browser!.problems).toEqual([]);
  });
});
