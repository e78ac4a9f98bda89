import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../helpers/backends';
import type { Route } from '../../src/shared/model';
import { request, tempDir } from '../helpers/core';

/*
 * End to end: `switchyard serve` as a real child process, two real backends,
 * and Debian's Chromium driving the built UI (out/renderer). Run
 * `npx electron-vite build` first; `UPDATE_SCREENSHOT=1` refreshes
 * docs/screenshot.png.
 */

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin', 'switchyard.js');
const chromiumPath = '/usr/bin/chromium';
const execFileAsync = promisify(execFile);

interface Connection {
  pid: number;
  adminUrl: string;
  token: string;
  httpPort: number;
  startedAt: string;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the web UI, served by `switchyard serve`, in Chromium', { timeout: 60_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-data-');
  const profileDir = tempDir('switchyard-e2e-chromium-');
  const shotDir = tempDir('switchyard-e2e-shot-');
  let child: ChildProcess | undefined;
  let childExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  let stdout = '';
  let stderr = '';
  let connection: Connection;
  let alpha: TestBackend | undefined;
  let beta: TestBackend | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  /** Resolves once the page's event WebSocket has completed its handshake. */
  let eventsConnected: Promise<void>;

  const cli = async (...args: string[]) => {
    const { stdout: out } = await execFileAsync(process.execPath, [bin, ...args, '--data-dir', dataDir.path], {
      cwd: root,
      timeout: 15_000,
    });
    return out;
  };
  const listRoutes = async () => JSON.parse(await cli('route', 'list', '--json')) as Route[];
  const proxied = async (host: string, count: number) => {
    const bodies: string[] = [];
    for (let i = 0; i < count; i++) {
      const response = await request(connection.httpPort, host);
      expect(response.status).toBe(200);
      bodies.push(response.body);
    }
    return bodies;
  };

  beforeAll(async () => {
    if (!existsSync(join(root, 'out', 'main', 'headless.js')) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
      throw new Error('The app is not built: run `npx electron-vite build` first.');
    }

    [alpha, beta] = await Promise.all([startBackend('alpha'), startBackend('beta')]);

    child = spawn(process.execPath, [bin, 'serve', '--data-dir', dataDir.path, '--http-port', '0', '--admin-port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const spawned = child;
    childExit = new Promise((resolve) => spawned.once('exit', (code, signal) => resolve({ code, signal })));

    const file = join(dataDir.path, 'connection.json');
    connection = await until(
      'connection.json',
      () => {
        if (spawned.exitCode !== null) {
          throw new Error(`switchyard serve exited with ${spawned.exitCode}:\n${stdout}\n${stderr}`);
        }
        if (!existsSync(file)) return undefined;
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as Connection;
        } catch {
          return undefined; // written by rename, but be lenient
        }
      },
      15_000,
    );
    expect(connection.pid).toBe(child.pid);
    expect(connection.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(connection.httpPort).toBeGreaterThan(0);
    // The status block aligns its values: "  UI:       http://127.0.0.1:PORT/#token=…".
    const uiLine = await until('the UI line on stdout', () => /^\s*UI:\s+(\S+)$/m.exec(stdout)?.[1], 5_000);
    expect(uiLine).toBe(`${connection.adminUrl}/#token=${connection.token}`);

    context = await chromium.launchPersistentContext(profileDir.path, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
      viewport: { width: 1280, height: 860 },
      deviceScaleFactor: 1,
      colorScheme: 'light',
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    page.setDefaultNavigationTimeout(15_000);

    // The UI takes live updates only from its event socket; know when it is up
    // so that changes made by the test cannot race its handshake.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    eventsConnected = new Promise<void>((resolve) => {
      cdp.on('Network.webSocketHandshakeResponseReceived', (event) => {
        if (event.response.status === 101) resolve();
      });
    });
  }, 60_000);

  afterAll(async () => {
    const problems: string[] = [];
    try {
      await context?.close();
    } catch (error) {
      problems.push(`closing Chromium: ${(error as Error).message}`);
    }
    if (child && childExit) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
      const exit = await Promise.race([childExit, timeout]);
      if (exit === 'timeout') {
        child.kill('SIGKILL');
        problems.push(`switchyard serve did not exit within 10 s of SIGTERM.\n${stdout}\n${stderr}`);
      } else {
        if (exit.code !== 0) problems.push(`switchyard serve exited with ${exit.code ?? exit.signal}.\n${stdout}\n${stderr}`);
        if (!stdout.includes('Switchyard stopped.')) problems.push(`switchyard serve did not print "Switchyard stopped.":\n${stdout}`);
      }
    }
    await Promise.all([alpha?.close(), beta?.close()]);
    dataDir.remove();
    profileDir.remove();
    shotDir.remove();
    expect(problems).toEqual([]);
  }, 60_000);

  it('creates a route, toggles a backend, shows field errors and live CLI changes', { timeout: 60_000 }, async () => {
    const a = alpha!;
    const b = beta!;

    // -- Open the UI with the token from connection.json.
    await page.goto(`${connection.adminUrl}/#token=${connection.token}`);
    const statusBar = page.getByLabel('Proxy status');
    await statusBar.getByText(`Proxy listening on port ${connection.httpPort}`).waitFor();
    await page.getByText('No routes yet.').waitFor();
    // The token left the address bar but stays usable for the tab.
    expect(page.url()).toBe(`${connection.adminUrl}/`);
    await Promise.race([
      eventsConnected,
      new Promise((_, reject) => setTimeout(() => reject(new Error('The page never opened its event WebSocket.')), 10_000).unref()),
    ]);

    // -- Create demo.localhost with both backends, through the form.
    const form = page.getByRole('form', { name: 'New route' });
    const hostInput = form.getByLabel('Host', { exact: true });
    await hostInput.fill('demo.localhost');
    await form.getByLabel('Backend URL 1', { exact: true }).fill(a.url);
    await form.getByRole('button', { name: '+ Another backend' }).click();
    await form.getByLabel('Backend URL 2', { exact: true }).fill(b.url);
    await form.getByRole('button', { name: 'Add route', exact: true }).click();

    const demo = page.getByRole('article', { name: 'Route demo.localhost', exact: true });
    await demo.waitFor();
    const alphaSwitch = demo.getByRole('switch', { name: `${a.url} enabled`, exact: true });
    const betaSwitch = demo.getByRole('switch', { name: `${b.url} enabled`, exact: true });
    await Promise.all([alphaSwitch.waitFor(), betaSwitch.waitFor()]);
    expect(await alphaSwitch.isChecked()).toBe(true);
    expect(await betaSwitch.isChecked()).toBe(true);
    await demo.getByText('2 of 2 backends receiving traffic').waitFor();
    // The form was reset for the next route.
    expect(await hostInput.inputValue()).toBe('');
    await statusBar.getByText('1 route', { exact: false }).waitFor();

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

    // -- A field error sits next to its field, and nothing is created.
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
    expect(await page.getByRole('article').count()).toBe(1);

    // -- A change made with the CLI shows up in the open page without reload.
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    const added = await cli('route', 'add', 'cli.localhost', '--backend', a.url);
    expect(added).toContain('Added cli.localhost');
    const fromCli = page.getByRole('article', { name: 'Route cli.localhost', exact: true });
    await fromCli.waitFor();
    await fromCli.getByRole('switch', { name: `${a.url} enabled`, exact: true }).waitFor();
    await statusBar.getByText('2 routes', { exact: false }).waitFor();
    expect(await page.getByRole('article').count()).toBe(2);
    // Still the same document: no reload, no navigation.
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect((await request(connection.httpPort, 'cli.localhost')).body).toBe('alpha');

    // -- A weight edited in place; a bad one is refused next to the field.
    const alphaWeight = demo.getByLabel(`${a.url} weight`, { exact: true });
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

    // -- Route settings: a bad value is refused next to its field, a good one saved.
    await demo.getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = demo.getByRole('form', { name: 'Settings for demo.localhost' });
    await settings.getByLabel('Sticky sessions', { exact: true }).selectOption('cookie');
    await settings.getByLabel('Rate limit (requests/s)', { exact: true }).fill('lots');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('alert').filter({ hasText: /requests per second/ }).waitFor();
    expect((await listRoutes())[0]!.settings).toMatchObject({ sticky: 'off', rateLimitRps: 0 });
    await settings.getByLabel('Rate limit (requests/s)', { exact: true }).fill('100');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.waitFor({ state: 'detached' });
    await demo.getByText('sticky: cookie', { exact: true }).waitFor();
    await demo.getByText('limit 100/s per client', { exact: true }).waitFor();
    // Renaming onto an existing route is refused next to the Host field, and nothing changes.
    await demo.getByRole('button', { name: 'Settings', exact: true }).click();
    await settings.getByLabel('Host', { exact: true }).fill('cli.localhost');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('alert').filter({ hasText: /already serves cli\.localhost/ }).waitFor();
    await settings.getByRole('button', { name: 'Cancel' }).click();
    await settings.waitFor({ state: 'detached' });
    expect((await listRoutes()).find((r) => r.host === 'demo.localhost')!.settings).toMatchObject({ sticky: 'cookie', rateLimitRps: 100 });
    const pinned = await request(connection.httpPort, 'demo.localhost');
    expect(pinned.headers['set-cookie']?.[0]).toMatch(/^switchyard_sticky=/);

    // -- Health, live: beta back on, then its server dies. Its row turns
    // unhealthy with the reason, without a reload; it recovers when the
    // server comes back. Fast checks keep the test short.
    await cli('route', 'set', 'demo.localhost', '--set', 'healthIntervalMs=200', '--set', 'healthTimeoutMs=150', '--set', 'sticky=off');
    await betaSwitch.click();
    await expect.poll(() => betaSwitch.isChecked(), { timeout: 10_000 }).toBe(true);
    const betaStatus = demo.getByLabel(`${b.url} status`, { exact: true });
    const betaReason = demo.getByLabel(`${b.url} reason`, { exact: true });
    await expect.poll(() => betaStatus.textContent(), { timeout: 10_000 }).toBe('healthy');
    await b.close();
    await expect.poll(() => betaStatus.textContent(), { timeout: 10_000 }).toBe('unhealthy');
    expect(await betaReason.textContent()).toMatch(new RegExp(`3 consecutive checks failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${b.port}`));
    expect(await demo.getByLabel(`${b.url} recent checks`).getAttribute('aria-label')).toMatch(/[1-9]\d* failed/);
    // Traffic only reaches alpha meanwhile, with no errors.
    expect(new Set(await proxied('demo.localhost', 4))).toEqual(new Set(['alpha']));
    await demo.getByRole('button', { name: 'Timeline', exact: true }).click();
    await demo.getByRole('list', { name: 'Timeline of demo.localhost' }).getByText(`${b.url} is down`, { exact: false }).waitFor();

    // -- Screenshot for the docs, during the failover: reload (the token
    // survives in sessionStorage; status and timeline come back from the core).
    await page.reload();
    await page.getByRole('article', { name: 'Route cli.localhost', exact: true }).waitFor();
    await expect.poll(() => betaStatus.textContent(), { timeout: 10_000 }).toBe('unhealthy');
    await demo.getByRole('button', { name: 'Timeline', exact: true }).click();
    await statusBar.getByText(`Proxy listening on port ${connection.httpPort}`).waitFor();
    const shot = process.env.UPDATE_SCREENSHOT === '1' ? join(root, 'docs', 'screenshot.png') : join(shotDir.path, 'screenshot.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true, animations: 'disabled' });
    expect(statSync(shot).size).toBeGreaterThan(0);

    // -- The server comes back on the same port: healthy again, in rotation.
    beta = await startBackend('beta', undefined, b.port);
    await expect.poll(() => betaStatus.textContent(), { timeout: 10_000 }).toBe('healthy');
    expect(new Set(await proxied('demo.localhost', 4))).toEqual(new Set(['alpha', 'beta']));
  });
});
