import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListenUrl } from '../../src/shared/route-kind';
import { freePort, tempDir } from '../helpers/core';
import { tcpBackend, tcpConnect, type TcpBackend } from '../helpers/tcp';
import { assertBuilt, type Browser, endUi, launchBrowser, openUi, root, routeItem, routePane, type Serve, startServe } from './ui-harness';

/*
 * End to end: a TCP route made in the New route dialog of the UI served by
 * `switchyard serve`, in Debian's Chromium. A listen URL without a port is
 * refused with the core's sentence; the route's settings offer only what a
 * TCP route has; bytes sent through it with a real socket show in the
 * Traffic list as a connection with its bytes and how it ended, and in the
 * route's pane. `UPDATE_SCREENSHOT=1` refreshes docs/tcp-route.png.
 */

describe('a TCP route made in the UI, in Chromium', { timeout: 120_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-l4-data-');
  const profileDir = tempDir('switchyard-e2e-l4-chromium-');
  const shotDir = tempDir('switchyard-e2e-l4-shot-');
  let serve: Serve | undefined;
  let browser: Browser | undefined;
  let echo: TcpBackend | undefined;
  let replica: TcpBackend | undefined;

  beforeAll(async () => {
    assertBuilt();
    echo = await tcpBackend('primary');
    replica = await tcpBackend('replica');
    serve = await startServe(dataDir.path);
    browser = await launchBrowser(profileDir.path);
    await openUi(browser, serve);
  }, 60_000);

  afterAll(async () => {
    await echo?.close();
    await replica?.close();
    await endUi(browser, serve, { dirs: [dataDir, profileDir, shotDir] });
  }, 60_000);

  it('is made in the New route dialog, relays bytes, and shows the connection in Traffic', async () => {
    const { page } = browser!;
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;

    // -- The dialog: TCP, a listen URL without its port first (the core's sentence), then with it.
    await page.getByRole('button', { name: 'New route' }).first().click();
    const dialog = page.getByRole('form', { name: 'New route' });
    await dialog.getByRole('radio', { name: 'TCP' }).check();
    await expect.poll(() => dialog.getByLabel('Path prefix (optional)').count()).toBe(0);
    const listen = dialog.getByLabel('Listen URL', { exact: true });
    expect(await listen.getAttribute('placeholder')).toBe('tcp://127.0.0.1:15432');
    await listen.fill('tcp://127.0.0.1');
    await dialog.getByLabel('Backend URL 1', { exact: true }).fill(`127.0.0.1:${echo!.port}`);
    await dialog.getByRole('button', { name: '+ Another backend' }).click();
    await dialog.getByLabel('Backend URL 2', { exact: true }).fill(replica!.url);
    await dialog.getByRole('button', { name: 'Add route' }).click();
    const refused = parseListenUrl('tcp://127.0.0.1');
    expect('error' in refused).toBe(true);
    await dialog.getByRole('alert').filter({ hasText: (refused as { error: string }).error }).waitFor();
    // Typed without its scheme, the address is the kind's: 127.0.0.1:PORT on the TCP tab is tcp://127.0.0.1:PORT.
    await listen.fill(`127.0.0.1:${port}`);
    await dialog.getByRole('button', { name: 'Add route' }).click();
    await dialog.waitFor({ state: 'detached' });

    // -- The route: its listen URL, a command to try, both backends (the first typed without a scheme).
    const pane = routePane(page, url);
    await pane.waitFor();
    expect(await pane.textContent()).toContain(`listens on 127.0.0.1:${port}`);
    expect(await pane.textContent()).toContain(`nc 127.0.0.1 ${port}`);
    expect(await pane.textContent()).toContain(echo!.url);
    expect(await pane.textContent()).toContain(replica!.url);

    // -- Its settings: what a TCP route has, not HTTP's.
    await pane.getByRole('tab', { name: 'Settings' }).click();
    const settings = pane.getByRole('form', { name: `Settings for ${url}` });
    await settings.getByLabel('Max connections').waitFor();
    for (const httpOnly of ['Sticky sessions', 'Compress responses (gzip/br)', 'Path prefix', 'Rate limit (requests/s)', 'Cache responses (RFC 9111)', 'Response header timeout (ms)']) {
      expect(await settings.getByLabel(httpOnly, { exact: true }).count(), httpOnly).toBe(0);
    }
    expect(await settings.getByLabel('Health checks').locator('option').allTextContents()).toEqual(['tcp', 'off']);
    await settings.getByRole('button', { name: 'Cancel' }).click();
    expect(await pane.getByRole('tab', { name: /Cache/ }).count()).toBe(0);

    // -- Bytes through it with a real socket: 5 up, the greeting and the echo down.
    const client = await tcpConnect(port);
    const greeting = (await client.waitFor('\n')).trim();
    client.socket.write('hello');
    await client.waitFor('hello');
    client.socket.end();
    await client.closed;
    await pane.getByLabel('Route traffic').filter({ hasText: '1 connection in all' }).waitFor();
    const down = `${greeting}\n`.length + 'hello'.length;

    // -- Traffic: a connection row (kind, listen URL, how it ended), and its trace.
    await page.keyboard.press('Alt+2');
    const grid = page.getByRole('grid', { name: 'Traffic' });
    const row = grid.locator('[role=row][data-id]').filter({ hasText: url });
    await row.waitFor();
    expect(await row.locator('.cell-kind').textContent()).toBe('tcp');
    expect(await row.locator('.cell-status').textContent()).toBe('client closed');
    const backend = greeting === 'primary' ? echo! : replica!;
    expect(await row.locator('.cell-backend').textContent()).toBe(backend.url.slice('tcp://'.length));
    await row.click();
    const trace = page.getByRole('complementary', { name: 'Trace' });
    await trace.getByRole('heading', { name: `TCP ${url}` }).waitFor();
    const summary = await trace.textContent();
    expect(summary).toContain('Endedclient closed');
    expect(summary).toContain(`5 B client → backend, ${down} B backend → client`);
    expect(summary).toContain('The client closed its side first');
    expect(summary).toContain(`round-robin: ${backend.url.slice('tcp://'.length)}, next in turn of 2`);
    // The text filter finds connections by kind and by how they ended.
    const search = page.getByLabel('Filter by text');
    await search.fill('client closed');
    await expect.poll(() => grid.locator('[role=row][data-id]').count()).toBe(1);
    await search.fill('');
    await page.keyboard.press('Escape');

    // -- The route's pane: its backend's connection and bytes each way.
    await page.keyboard.press('Alt+1');
    await routeItem(page, url).click();
    await pane.getByRole('tab', { name: /Backends/ }).click();
    await pane.getByText(`↑ 5 B · ↓ ${down} B`).waitFor();
    const shot = process.env.UPDATE_SCREENSHOT === '1' ? join(root, 'docs', 'tcp-route.png') : join(shotDir.path, 'tcp-route.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, animations: 'disabled' });
    expect(statSync(shot).size).toBeGreaterThan(0);
    expect(browser!.problems).toEqual([]);
  });
});
