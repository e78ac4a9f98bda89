import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoHost } from '../../src/shared/demo';
import { tempDir } from '../helpers/core';
import { assertBuilt, type Browser, cliFor, endUi, launchBrowser, openUi, root, routeItem, routePane, type Serve, startServe } from './ui-harness';

/*
 * End to end, in Debian's Chromium on `switchyard serve`: the empty screen's
 * "Try it" starts the demo and selects its route, which after ten seconds of
 * its own traffic shows three backends answering; a route whose host
 * resolves elsewhere (a preloaded lookup table: no DNS query leaves the
 * machine) gets the hosts-file line; the Proxy settings page exports the
 * project file and imports one, applying it after showing the diff; Stop
 * demo removes the demo's route. `UPDATE_SCREENSHOT=1` refreshes docs/demo.png.
 */

const firstImpressionMs = 10_000;
const elsewhere = 'api.example.test';

describe('the demo, host hints and project files in the UI, in Chromium', { timeout: 120_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-demo-data-');
  const profileDir = tempDir('switchyard-e2e-demo-chromium-');
  const shotDir = tempDir('switchyard-e2e-demo-shot-');
  let serve: Serve | undefined;
  let browser: Browser | undefined;
  const { cli, listRoutes } = cliFor(dataDir.path);

  beforeAll(async () => {
    assertBuilt();
    serve = await startServe(dataDir.path, undefined, {
      nodeArgs: ['--require', join(root, 'test/helpers/fake-dns.cjs')],
      env: { SWITCHYARD_TEST_DNS: `${elsewhere}=203.0.113.7` },
    });
    browser = await launchBrowser(profileDir.path);
    await openUi(browser, serve);
  }, 60_000);

  afterAll(async () => {
    await endUi(browser, serve, { dirs: [dataDir, profileDir, shotDir] });
  }, 60_000);

  it('starts the demo from the empty screen and shows its three backends taking traffic', async () => {
    const { page } = browser!;
    await page.getByRole('button', { name: 'Try it with a demo' }).click();
    const pane = routePane(page, demoHost);
    await pane.waitFor();
    const started = Date.now();
    const [route] = await listRoutes();
    expect(route).toMatchObject({ host: demoHost, backends: [{}, {}, {}] });
    for (const backend of route!.backends) await pane.getByText(backend.url, { exact: true }).waitFor();
    await page.waitForTimeout(Math.max(0, firstImpressionMs - (Date.now() - started)));
    // .localhost needs no hosts-file line. Counted only now: the pane asks hosts.check when it opens, and the note could come with its answer.
    expect(await pane.getByRole('note').count()).toBe(0);
    const status = JSON.parse(await cli('status', '--json')) as { backends: Record<string, { served: number }> };
    for (const backend of route!.backends) expect(status.backends[backend.id]!.served, backend.url).toBeGreaterThan(0);
    const shot = process.env.UPDATE_SCREENSHOT === '1' ? join(root, 'docs', 'demo.png') : join(shotDir.path, 'demo.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, animations: 'disabled' });
    expect(statSync(shot).size).toBeGreaterThan(0);

    // The slow backend's answers (hundreds of ms) give the latency chart three-digit labels: whole, not cut at the
    // canvas's left edge (uPlot's fixed 50 px axis showed "150 ms" as "50 ms"), so its first columns stay blank.
    await pane.getByRole('tab', { name: 'Charts' }).click();
    const latencyChart = pane.getByRole('img', { name: 'Latency to the response head, last 15 minutes' });
    const latency = latencyChart.locator('canvas');
    await latency.waitFor();
    // Opaque pixels in the canvas's columns [from, to) in CSS pixels.
    const ink = (from: number, to: number) =>
      latency.evaluate(
        (canvas: HTMLCanvasElement, { left, right }) => {
          const pixels = canvas.getContext('2d')!.getImageData(left * devicePixelRatio, 0, (right - left) * devicePixelRatio, canvas.height).data;
          let opaque = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) opaque++;
          return opaque;
        },
        { left: from, right: to },
      );
    const labelColumnsPx = 60;
    const edgePx = 2;
    await expect.poll(() => ink(0, labelColumnsPx)).toBeGreaterThan(0);
    expect(await ink(0, edgePx)).toBe(0);
    // And the axis made room for them: the plot starts right of uPlot's fixed 50 px.
    const uPlotAxisPx = 50;
    expect(await latencyChart.locator('.u-over').evaluate((over) => parseFloat(getComputedStyle(over).left))).toBeGreaterThan(uPlotAxisPx);
    await pane.getByRole('tab', { name: 'Backends', exact: false }).click();
  });

  it('gives a host that resolves elsewhere the hosts-file line and where the file is', async () => {
    const { page } = browser!;
    await cli('route', 'add', elsewhere, '--backend', 'http://127.0.0.1:9', '--set', 'healthCheck=off');
    await routeItem(page, elsewhere).click();
    const hint = routePane(page, elsewhere).getByRole('note', { name: `${elsewhere} does not reach this machine` });
    await hint.waitFor();
    const text = await hint.innerText();
    expect(text).toContain(`${elsewhere} resolves to 203.0.113.7, not to this machine`);
    expect(text).toContain(`127.0.0.1 ${elsewhere}`);
    expect(text).toMatch(/Linux: \/etc\/hosts[\s\S]*macOS: \/etc\/hosts[\s\S]*Windows: C:\\Windows\\System32\\drivers\\etc\\hosts/);
  });

  it('exports the project file and imports one after showing its diff', async () => {
    const { page } = browser!;
    await page.keyboard.press('Alt+4');
    const panel = page.getByRole('region', { name: 'Project file' });
    const download = page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Export switchyard.json' }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe('switchyard.json');
    const exported = JSON.parse(readFileSync((await saved.path()), 'utf8')) as { routes: { host: string }[] };
    // The demo's route lives only as long as its servers: not in the file.
    expect(exported.routes.map((route) => route.host)).toEqual([elsewhere]);

    const file = join(shotDir.path, 'switchyard.json');
    writeFileSync(file, JSON.stringify({ version: 1, routes: [...exported.routes, { host: 'imported.localhost', backends: [{ url: 'http://127.0.0.1:9' }], settings: { healthCheck: 'off' } }] }, null, 2));
    await panel.getByLabel('Project file to import').setInputFiles(file);
    const review = panel.getByRole('group', { name: 'Changes from switchyard.json' });
    await review.getByText('imported.localhost').waitFor();
    expect(await listRoutes()).toHaveLength(2);
    await review.getByRole('button', { name: 'Apply 1 change' }).click();
    await panel.getByText('Applied 1 change from switchyard.json.').waitFor();
    expect((await listRoutes()).map((route) => route.host)).toEqual(['api.example.test', demoHost, 'imported.localhost']);
  });

  it('removes the demo with Stop demo', async () => {
    const { page } = browser!;
    await page.keyboard.press('Alt+1');
    await page.getByRole('button', { name: 'Stop demo' }).click();
    await expect.poll(async () => (await listRoutes()).map((route) => route.host)).toEqual(['api.example.test', 'imported.localhost']);
    expect(browser!.problems).toEqual([]);
  });
});
