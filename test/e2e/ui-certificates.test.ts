import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient } from '../../src/shared/admin-client';
import type { SwitchyardApi } from '../../src/shared/api';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, endUi, launchBrowser, openUi, root, type Serve, startServe } from './ui-harness';

/*
 * End to end: the Certificates area with `switchyard serve` in Debian's
 * Chromium. The CA card shows the fingerprint certificates.get gives and
 * copies it; a domain is added, and a bad one refused with the core's own
 * sentence; a certificate for two names is issued, listed, downloaded as
 * its chain and removed; the trust button says what to type when serve
 * cannot show a password prompt; a certificate issued elsewhere (the CLI)
 * appears by itself; the page never holds a private key.
 * `UPDATE_SCREENSHOT=1` refreshes docs/certificates.png.
 */

const keyMarker = 'PRIVATE KEY';
/** How long a change made elsewhere may take to show (an event, then a fetch). */
const liveMs = 3_000;
/** The README's screenshot shows the whole area at the usual width. */
const screenshotHeight = 1_280;

describe('the Certificates area, served by `switchyard serve`, in Chromium', { timeout: 120_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-certs-data-');
  const profileDir = tempDir('switchyard-e2e-certs-chromium-');
  const shotDir = tempDir('switchyard-e2e-certs-shot-');
  const { cli } = cliFor(dataDir.path);
  let serve: Serve | undefined;
  let shop: TestBackend | undefined;
  let browser: Browser | undefined;
  let api: SwitchyardApi;

  /** Everything the page holds, text and markup, must be free of key material at every step. */
  const expectNoKey = async () => expect(await browser!.page.content()).not.toContain(keyMarker);

  beforeAll(async () => {
    assertBuilt();
    shop = await startBackend('shop', (req, res) => {
      req.resume();
      res.end('shop');
    });
    serve = await startServe(dataDir.path);
    api = createAdminClient({ baseUrl: serve.connection.adminUrl, token: serve.connection.token });
    // A route: the engine issues its certificate, which the list shows with the route.
    await cli('route', 'add', 'shop.localhost', '--backend', shop.url);
    // One the CA may not certify until its domain is added: listed with the core's reason.
    await cli('route', 'add', 'api.dev.example.com', '--backend', shop.url);
    browser = await launchBrowser(profileDir.path);
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.connection.adminUrl });
    await openUi(browser, serve);
  }, 60_000);

  afterAll(() => endUi(browser, serve, { backends: [shop], dirs: [dataDir, profileDir, shotDir] }), 60_000);

  const caCard = () => browser!.page.getByRole('region', { name: 'Local certificate authority' });
  const trustPanel = () => browser!.page.getByRole('region', { name: 'Trust the CA' });
  const leaves = () => browser!.page.getByRole('table', { name: /^Certificates/ });
  /** A certificate's row by all its names, as the list sorts them. */
  const leafRow = (names: string) => leaves().getByRole('row').filter({ has: browser!.page.getByRole('button', { name: new RegExp(`^${names.replace(/[.*]/g, '\\$&')} \\(`) }) });
  const detail = () => browser!.page.getByRole('complementary', { name: 'Certificate' });
  const withoutHttps = () => browser!.page.getByRole('region', { name: /no HTTPS certificate$/ });

  it('shows the CA with the fingerprint certificates.get gives, copies it, and lists the route certificate', async () => {
    const { page } = browser!;
    await page.keyboard.press('Alt+3');
    await page.getByRole('heading', { name: 'Certificates', level: 1 }).waitFor();
    const { ca } = await must(api.invoke('certificates.get', {}));
    await caCard().getByText(ca.fingerprint256, { exact: true }).waitFor();
    await caCard().getByText(ca.subject, { exact: true }).waitFor();
    // Copy puts exactly the fingerprint on the clipboard.
    await caCard().getByRole('button', { name: "Copy the root's SHA-256 fingerprint" }).click();
    await caCard().getByRole('button', { name: "Copy the root's SHA-256 fingerprint" }).getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ca.fingerprint256);
    // Permitted names: the defaults and loopback.
    const permitted = caCard().getByRole('list', { name: 'Names this CA may certify' });
    for (const name of ['localhost', 'test', 'internal', 'home.arpa', '127.0.0.0/8', '::1']) await permitted.getByText(name, { exact: true }).waitFor();
    // The route's certificate, with its route.
    await expect.poll(async () => (await leafRow('shop.localhost').count()) === 1, { timeout: liveMs }).toBe(true);
    expect(await leafRow('shop.localhost').textContent()).toMatch(/ECDSA P-256.*shop\.localhost.*Valid/);
    // The route the CA may not certify, with the core's sentence naming the domain to add.
    const [outside] = (await must(api.invoke('certificates.get', {}))).routesWithoutHttps;
    expect(outside?.host).toBe('api.dev.example.com');
    await withoutHttps().getByRole('heading', { name: '1 route has no HTTPS certificate' }).waitFor();
    expect(await withoutHttps().getByRole('listitem').textContent()).toBe(`api.dev.example.com ${outside!.reason}`);
    await expectNoKey();
  });

  it('exports the root as root.crt, the same PEM as certificates.exportCa', async () => {
    const { page } = browser!;
    const download = page.waitForEvent('download');
    await caCard().getByRole('button', { name: 'Export root certificate' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('root.crt');
    const saved = readFileSync(await file.path(), 'utf8');
    expect(saved).toBe((await must(api.invoke('certificates.exportCa', {}))).certificatePem);
    expect(saved).not.toContain(keyMarker);
  });

  it("refuses a bad domain with the core's sentence, then adds one (the intermediate re-issued, the root the same)", async () => {
    const { page } = browser!;
    const before = await must(api.invoke('certificates.get', {}));
    const form = page.getByRole('form', { name: 'Add a domain' });
    const field = form.getByLabel('Add a domain of your own', { exact: true });
    // The promise that the root stays trusted is on the page before anything is added.
    await form.getByText('re-issues the intermediate certificate. The root stays the same', { exact: false }).waitFor();

    const refused = await api.invoke('certificates.setDomains', { domains: ['com'] });
    expect(refused.ok).toBe(false);
    await field.fill('com');
    await form.getByRole('button', { name: 'Add domain' }).click();
    const sentence = form.getByRole('alert');
    await sentence.waitFor();
    expect(await sentence.textContent()).toBe(!refused.ok && refused.error.message);
    expect(await field.getAttribute('aria-invalid')).toBe('true');

    await field.fill('dev.example.com');
    await form.getByRole('button', { name: 'Add domain' }).click();
    const permitted = caCard().getByRole('list', { name: 'Names this CA may certify' });
    await permitted.getByText('dev.example.com', { exact: true }).waitFor();
    await permitted.getByRole('button', { name: 'Remove domain dev.example.com' }).waitFor();
    // The list can redraw first: `certificates.changed` and its refetch may reach the page before addDomain's own answer, which clears the field.
    await expect.poll(() => field.inputValue()).toBe('');
    const after = await must(api.invoke('certificates.get', {}));
    expect(after.ca.userDomains).toEqual(['dev.example.com']);
    expect(after.ca.fingerprint256).toBe(before.ca.fingerprint256);
    // Its route is served over HTTPS now: the notice goes.
    expect(after.routesWithoutHttps).toEqual([]);
    await withoutHttps().waitFor({ state: 'detached' });
  });

  it('issues a certificate for two names (a bad name refused with its sentence), lists it, downloads its chain and never shows a key', async () => {
    const { page } = browser!;
    await page.getByRole('button', { name: 'Issue a certificate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Issue a certificate' });
    const names = dialog.getByLabel('Names', { exact: true });
    // The form opens at its first field; Escape closes it.
    await expect.poll(() => names.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Issue a certificate' }).click();
    const refused = await api.invoke('certificates.issue', { names: ['www.example.org'], keyType: 'ecdsa-p256' });
    expect(refused.ok).toBe(false);
    await names.fill('www.example.org');
    await dialog.getByRole('button', { name: 'Issue certificate' }).click();
    const sentence = dialog.getByRole('alert');
    await sentence.waitFor();
    expect(await sentence.textContent()).toBe(!refused.ok && refused.error.message);

    await names.fill('app.dev.example.com, 127.0.0.1');
    expect(await dialog.getByLabel(/ECDSA P-256/).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Issue certificate' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Listed, selected, and its detail beside the list.
    const row = leafRow('127.0.0.1, app.dev.example.com');
    await row.waitFor();
    expect(await row.textContent()).toMatch(/ECDSA P-256in 13 months.*no routeValid/);
    await detail().getByRole('heading', { name: '127.0.0.1, app.dev.example.com' }).waitFor();
    const { leaves: listed } = await must(api.invoke('certificates.get', {}));
    const leaf = listed.find((l) => l.names.includes('app.dev.example.com'))!;
    expect(leaf.names).toEqual(['127.0.0.1', 'app.dev.example.com']);
    await detail().getByText(leaf.keyPath, { exact: true }).waitFor();
    await detail().getByText('The key stays in Switchyard', { exact: false }).waitFor();
    await expectNoKey();

    const download = page.waitForEvent('download');
    await detail().getByRole('button', { name: 'Download certificate (PEM chain)' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${leaf.id}.chain.pem`);
    const chain = readFileSync(await file.path(), 'utf8');
    expect(chain).toBe(readFileSync(leaf.chainPath, 'utf8'));
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(chain).not.toContain(keyMarker);

    // The view as the README shows it: the CA, trust, the list and the new certificate's detail, in a window tall enough for all four.
    const shot = process.env.UPDATE_SCREENSHOT === '1' ? join(root, 'docs', 'certificates.png') : join(shotDir.path, 'certificates.png');
    mkdirSync(dirname(shot), { recursive: true });
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: viewport.width, height: screenshotHeight });
    await page.locator('.certs-area').evaluate((area) => area.scrollTo(0, 0));
    await page.screenshot({ path: shot, animations: 'disabled' });
    await page.setViewportSize(viewport);
    expect(statSync(shot).size).toBeGreaterThan(0);
  });

  it('says what to type when serve cannot show a password prompt', async () => {
    const panel = trustPanel();
    const instructions = await must(api.invoke('certificates.trust', {}));
    const current = instructions.systems.find((s) => s.id === instructions.current);
    // This machine is Debian: its command first, with Copy.
    expect(current?.id).toBe('debian');
    await panel.getByRole('heading', { name: `${current!.title} this system` }).waitFor();
    await panel.getByText(current!.steps[0]!.command!, { exact: true }).first().waitFor();
    const refused = await api.invoke('certificates.installTrust', {});
    expect(refused.ok || refused.error.code).toBe('NOT_AVAILABLE');
    await panel.getByRole('button', { name: 'Trust on this system' }).click();
    const sentence = panel.getByRole('alert');
    await sentence.waitFor();
    expect(await sentence.textContent()).toBe(!refused.ok && refused.error.message);
    expect(await sentence.textContent()).toContain(current!.steps[0]!.command!);
    // Nothing went to the page's error banner: the sentence is where the button is.
    expect(await browser!.page.locator('.banners').getByRole('alert').count()).toBe(0);
    // Every other system and client is there, folded; one opens its steps.
    for (const guide of [...instructions.systems.filter((s) => s !== current), ...instructions.clients]) {
      expect(await panel.getByRole('button', { name: guide.title, exact: true }).getAttribute('aria-expanded')).toBe('false');
    }
    const firefox = instructions.clients.find((c) => c.id === 'firefox')!;
    await panel.getByRole('button', { name: firefox.title, exact: true }).click();
    await panel.getByRole('region', { name: firefox.title }).getByText(firefox.steps[1]!.command!, { exact: true }).waitFor();
  });

  it('fits a 1024×640 window without sideways scrolling, light and dark, with a certificate open', async () => {
    const { page } = browser!;
    await detail().waitFor();
    const lightCard = await caCard().evaluate((element) => getComputedStyle(element).backgroundColor);
    await page.getByRole('radio', { name: 'Dark' }).check();
    await expect.poll(() => caCard().evaluate((element) => getComputedStyle(element).backgroundColor)).not.toBe(lightCard);
    await page.setViewportSize({ width: 1024, height: 640 });
    try {
      const sideways = (selector: string) => page.locator(selector).first().evaluate((element) => element.scrollWidth - element.clientWidth);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
      for (const selector of ['.certs-area', '.leaves .table-wrap', '.leaf-detail', '.trust-panel']) expect(await sideways(selector), selector).toBe(0);
      await page.screenshot({ path: join(shotDir.path, 'certificates-dark-1024x640.png') });
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.getByRole('radio', { name: 'Auto' }).check();
    }
  });

  it('shows a certificate issued elsewhere at once, and removes one after asking', async () => {
    const { page } = browser!;
    await cli('cert', 'issue', 'cli.test');
    await leafRow('cli.test').waitFor({ timeout: liveMs });

    // Issued by the CLI, it downloads from the list's own chain; regenerated here, the download follows the new chain.
    const before = (await must(api.invoke('certificates.get', {}))).leaves.find((l) => l.names.join() === 'cli.test')!;
    await leafRow('cli.test').click();
    await detail().getByRole('heading', { name: 'cli.test' }).waitFor();
    const download = detail().getByRole('button', { name: 'Download certificate (PEM chain)' });
    const downloaded = async () => {
      const file = page.waitForEvent('download');
      await download.click();
      return readFileSync(await (await file).path(), 'utf8');
    };
    expect(await downloaded()).toBe(readFileSync(before.chainPath, 'utf8'));
    await detail().getByText(before.fingerprint256, { exact: true }).waitFor();
    await detail().getByRole('button', { name: 'Regenerate' }).click();
    await expect
      .poll(async () => (await must(api.invoke('certificates.get', {}))).leaves.find((l) => l.names.join() === 'cli.test')?.fingerprint256)
      .not.toBe(before.fingerprint256);
    const regenerated = (await must(api.invoke('certificates.get', {}))).leaves.find((l) => l.names.join() === 'cli.test')!;
    expect(regenerated.id).toBe(before.id);
    await detail().getByText(regenerated.fingerprint256, { exact: true }).waitFor();
    const after = await downloaded();
    expect(after).toBe(readFileSync(regenerated.chainPath, 'utf8'));
    expect(after).not.toBe(before.chainPem);
    await expectNoKey();

    // Open the issued one (from the issue test) again: Escape (with the focus in it) closes it, Enter on its row opens it again.
    await leafRow('127.0.0.1, app.dev.example.com').click();
    await detail().getByRole('heading', { name: '127.0.0.1, app.dev.example.com' }).waitFor();
    await detail().getByRole('button', { name: 'Regenerate' }).focus();
    await page.keyboard.press('Escape');
    await detail().waitFor({ state: 'detached' });
    // The focus goes back to the row, so Enter opens it again.
    const rowButton = leafRow('127.0.0.1, app.dev.example.com').getByRole('button');
    await expect.poll(() => rowButton.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await detail().getByRole('button', { name: 'Remove the certificate for 127.0.0.1, app.dev.example.com' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove certificate?' });
    // Escape keeps it.
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    await detail().waitFor();
    await detail().getByRole('button', { name: 'Remove the certificate for 127.0.0.1, app.dev.example.com' }).click();
    await confirm.getByRole('button', { name: 'Remove 127.0.0.1' }).click();
    await leafRow('127.0.0.1, app.dev.example.com').waitFor({ state: 'detached' });
    await detail().waitFor({ state: 'detached' });
    const { leaves: listed } = await must(api.invoke('certificates.get', {}));
    expect(listed.some((l) => l.names.includes('app.dev.example.com'))).toBe(false);
    await expectNoKey();
    expect(browser!.problems).toEqual([]);
  });
});
