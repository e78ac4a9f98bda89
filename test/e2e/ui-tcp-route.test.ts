import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, closeUi, launchBrowser, routeItem, routePane, type Serve, startServe } from './ui-harness';

/*
 * A TCP route added with the CLI shows where routes show (named by its
 * URL), opens without breaking the page, and a port it cannot take shows
 * as a problem banner. Making one in the UI and its traffic: ui-l4-routes.
 */
describe('a TCP route in the UI', { timeout: 60_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-tcp-data-');
  const profileDir = tempDir('switchyard-e2e-tcp-chromium-');
  const { cli } = cliFor(dataDir.path);
  let serve: Serve | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  const squatter = net.createServer();

  beforeAll(async () => {
    assertBuilt();
    serve = await startServe(dataDir.path);
    browser = await launchBrowser(profileDir.path);
    browser.page.on('pageerror', (error) => pageErrors.push(error.message));
    const handshake = browser.nextEventsHandshake();
    await browser.page.goto(`${serve.connection.adminUrl}/#token=${serve.connection.token}`);
    await handshake;
  }, 45_000);

  afterAll(async () => {
    await new Promise((resolve) => squatter.close(resolve));
    const problems = await closeUi(browser, serve);
    dataDir.remove();
    profileDir.remove();
    expect([...problems, ...(browser?.problems ?? []), ...pageErrors]).toEqual([]);
  }, 30_000);

  it('lists it by its URL and opens it', async () => {
    const page = browser!.page;
    const url = `tcp://127.0.0.1:${await freePort()}`;
    await cli('route', 'add', url, '--backend', 'tcp://127.0.0.1:5432', '--set', 'healthCheck=off');
    await routeItem(page, url).click();
    const pane = routePane(page, url);
    await pane.waitFor();
    expect(await pane.textContent()).toContain('tcp://127.0.0.1:5432');
  });

  it('a port it cannot take shows as a banner', async () => {
    const page = browser!.page;
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    await cli('route', 'add', `tcp://127.0.0.1:${port}`, '--backend', 'tcp://127.0.0.1:5432', '--set', 'healthCheck=off');
    const banner = page.getByRole('status').filter({ hasText: 'takes no connections' });
    await banner.waitFor({ timeout: 2_000 });
    expect(await banner.textContent()).toContain(`TCP route tcp://127.0.0.1:${port} takes no connections: port ${port} on 127.0.0.1 is already in use by another program.`);
  });
});
