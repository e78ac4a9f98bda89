import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, closeUi, launchBrowser, type Serve, startServe } from './ui-harness';

/*
 * When Switchyard cannot save its history (the database locked by another
 * program, injected into a real serve by test/helpers/inject-faults.cjs),
 * the page says so in a banner while the proxy keeps running, and
 * `switchyard status` prints the same sentence.
 */
describe("Switchyard's own problems are shown", { timeout: 60_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-problems-data-');
  const profileDir = tempDir('switchyard-e2e-problems-chromium-');
  const { cli } = cliFor(dataDir.path);
  let serve: Serve | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    assertBuilt();
    serve = await startServe(dataDir.path, undefined, {
      nodeArgs: ['--require', join(__dirname, '..', 'helpers', 'inject-faults.cjs')],
      env: { SWITCHYARD_TEST_FAULTS: 'timeline-locked' },
    });
    browser = await launchBrowser(profileDir.path);
    const handshake = browser.nextEventsHandshake();
    await browser.page.goto(`${serve.connection.adminUrl}/#token=${serve.connection.token}`);
    await handshake;
  }, 45_000);

  afterAll(async () => {
    const problems = await closeUi(browser, serve);
    dataDir.remove();
    profileDir.remove();
    expect(problems).toEqual([]);
  }, 30_000);

  it('history that cannot be saved shows as a banner at once, and in status', async () => {
    const page = browser!.page;
    // A config change writes the timeline: the write is refused, the change is not.
    // Checks off: a failing check of the dead backend would add a second waiting event and change the banner's count.
    await cli('route', 'add', 'demo.localhost', '--backend', 'http://127.0.0.1:3999', '--set', 'healthCheck=off');
    const banner = page.getByRole('status').filter({ hasText: 'History could not be saved' });
    await banner.waitFor({ timeout: 2_000 });
    expect(await banner.textContent()).toMatch(/History could not be saved: another program holds a lock on the database\. 1 event waits in memory/);
    expect(await cli('status')).toMatch(/Problem: {2}History could not be saved: another program holds a lock on the database/);
    expect(await cli('route', 'list')).toContain('demo.localhost');
  });
});
