import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../helpers/backends';
import { tempDir } from '../helpers/core';
import { certutilMissing, trustRootForChromium } from './nss-trust';
import { assertBuilt, type Browser, chromiumArgs, chromiumPath, endUi, launchBrowser, openUi, routePane, type Serve, startServe } from './ui-harness';

/*
 * End to end over HTTPS: a route created in the UI is served on the HTTPS
 * listener (its port from `status`), and Chromium loads it over HTTP/2 with
 * the backend's body, trusting Switchyard's root the way a Linux user does:
 * in the NSS database under $HOME/.pki/nssdb, added with certutil (no flag
 * that skips verification). The route's "Redirect HTTP to HTTPS" setting
 * sends the plain-HTTP URL there too. A Chromium without the root refuses
 * the same page, so the trust is what makes it load.
 */

if (certutilMissing) console.log(`ui-https: skipped: ${certutilMissing}`);

const host = 'secure.localhost';
const body = 'hello from the backend, over h2';
const navigationMs = 10_000;

/** The page's protocol as Chromium negotiated it for the document (ALPN): 'h2' or 'http/1.1'. */
const documentProtocol = () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol;

describe.skipIf(certutilMissing !== undefined)('an HTTPS route created in the UI, loaded in Chromium that trusts the local CA', { timeout: 120_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-https-data-');
  const profileDir = tempDir('switchyard-e2e-https-chromium-');
  const homeDir = tempDir('switchyard-e2e-https-home-');
  let serve: Serve | undefined;
  let backend: TestBackend | undefined;
  let browser: Browser | undefined;
  let httpsUrl = '';

  beforeAll(async () => {
    assertBuilt();
    backend = await startBackend('secure', (req, res) => {
      req.resume();
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>secure</title><p id="body">${body}</p>`);
    });
    serve = await startServe(dataDir.path);
    // The root serve made at start: Chromium on Linux reads its trust from $HOME.
    trustRootForChromium(homeDir.path, join(dataDir.path, 'tls', 'root.crt'));
    browser = await launchBrowser(profileDir.path, undefined, { env: { ...process.env, HOME: homeDir.path } });
    await openUi(browser, serve);
  }, 60_000);

  afterAll(() => endUi(browser, serve, { backends: [backend], dirs: [dataDir, profileDir, homeDir] }), 60_000);

  it('creates the route in the UI, shows its HTTPS URL, and the link opens the backend over h2', async () => {
    const { page, context } = browser!;
    const httpsPort = serve!.connection.httpsPort;
    expect(httpsPort).toBeGreaterThan(0);
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog', { name: 'New route' });
    await dialog.getByLabel('Host', { exact: true }).fill(host);
    await dialog.getByLabel('Backend URL 1', { exact: true }).fill(backend!.url);
    await dialog.getByRole('button', { name: 'Add route' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The pane names the HTTPS URL, on the port status lists for the https listener.
    httpsUrl = `https://${host}:${httpsPort}/`;
    const link = routePane(page, host).getByRole('link', { name: httpsUrl, exact: true });
    expect(await link.getAttribute('href')).toBe(httpsUrl);

    // As a user would: the link opens a tab, which loads over TLS with the local CA's certificate and HTTP/2.
    const opened = context.waitForEvent('page');
    await link.click();
    const tab = await opened;
    await tab.waitForLoadState('load', { timeout: navigationMs });
    expect(tab.url()).toBe(httpsUrl);
    expect(await tab.locator('#body').textContent()).toBe(body);
    expect(await tab.evaluate(documentProtocol)).toBe('h2');
    await tab.close();
  });

  it('redirects the plain-HTTP URL to HTTPS once the route says so', async () => {
    const { page, context } = browser!;
    const pane = routePane(page, host);
    await pane.getByRole('tab', { name: 'Settings' }).click();
    const settings = pane.getByRole('form', { name: `Settings for ${host}` });
    await settings.getByLabel('Redirect HTTP to HTTPS', { exact: true }).check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.waitFor({ state: 'detached' });

    const tab = await context.newPage();
    try {
      const response = await tab.goto(`http://${host}:${serve!.connection.httpPort}/`, { timeout: navigationMs });
      const redirect = await response?.request().redirectedFrom()?.response();
      expect(redirect?.status()).toBe(308);
      expect(tab.url()).toBe(httpsUrl);
      expect(await tab.locator('#body').textContent()).toBe(body);
      expect(await tab.evaluate(documentProtocol)).toBe('h2');
    } finally {
      await tab.close();
    }
    expect(browser!.problems).toEqual([]);
  });

  it('is refused by a Chromium that does not trust the root (what the NSS database changes)', async () => {
    const emptyHome = tempDir('switchyard-e2e-https-untrusted-home-');
    const untrusted = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, env: { ...process.env, HOME: emptyHome.path } });
    try {
      const tab = await untrusted.newPage();
      const error = await tab.goto(httpsUrl, { timeout: navigationMs }).then(
        () => 'loaded',
        (failure: Error) => /net::ERR_[A-Z_]+/.exec(failure.message)?.[0] ?? failure.message,
      );
      expect(error).toBe('net::ERR_CERT_AUTHORITY_INVALID');
    } finally {
      await untrusted.close();
      emptyHome.remove();
    }
  });
});
