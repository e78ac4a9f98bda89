import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultHttpPort, defaultHttpsPort } from '../../src/main/core/core';
import { readConnection } from '../../src/main/headless/connection-file';
import { startBackend, type TestBackend } from '../helpers/backends';
import { tempDir } from '../helpers/core';
import { asRoot, chownTree, nobody, nobodyReachesRepo, portFree, unprivilegedStart, unreachableNote } from '../helpers/unprivileged';
import { assertBuilt, type Browser, cliFor, endUi, launchBrowser, openUi, root, routeItem, routePane, type Serve, startServe, until } from './ui-harness';

/*
 * End to end: the Standard ports toggle in Proxy settings. Saved, it says it
 * applies at the next start; serve restarted without port flags as an
 * ordinary user (nobody: these tests run as root) below
 * ip_unprivileged_port_start keeps 7800 and shows the banner and the
 * setting's sentence with the sysctl line and its Copy button; restarted as
 * root (where 80 and 443 are free) the route's link has no port.
 */

const fix = 'sudo sysctl -w net.ipv4.ip_unprivileged_port_start=80';
const startTimeoutMs = 15_000;

/** serve with no --http-port or --https-port, so the setting chooses; as `uid` when given, in its own process group. */
async function startServeUnnamed(dataDir: string, uid?: number): Promise<Serve> {
  const child = spawn(process.execPath, [join(root, 'bin', 'switchyard.js'), 'serve', '--data-dir', dataDir, '--admin-port', '0'], {
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { PATH: process.env.PATH, HOME: dataDir },
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const connection = await until(
    'connection.json of serve without port flags',
    () => {
      if (child.exitCode !== null) throw new Error(`switchyard serve exited with ${child.exitCode}:\n${output}`);
      const written = readConnection(dataDir);
      return written?.pid === child.pid && output.includes('Press Ctrl+C') ? written : undefined;
    },
    startTimeoutMs,
  );
  return {
    child,
    connection,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
      return exited;
    },
  };
}

describe.runIf(process.platform === 'linux' && asRoot && unprivilegedStart > 80 && nobodyReachesRepo)(`the Standard ports setting in Chromium${unreachableNote}`, { timeout: 120_000 }, () => {
  const dataDir = tempDir('switchyard-e2e-ports-data-');
  const profileDir = tempDir('switchyard-e2e-ports-chromium-');
  const { cli } = cliFor(dataDir.path);
  const host = 'ports.localhost';
  let serve: Serve | undefined;
  let backend: TestBackend | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    assertBuilt();
    backend = await startBackend('ports');
    serve = await startServe(dataDir.path);
    await cli('route', 'add', host, '--backend', backend.url, '--set', 'healthCheck=off');
    browser = await launchBrowser(profileDir.path);
    await openUi(browser, serve);
  }, 60_000);

  afterAll(async () => {
    await endUi(browser, serve, { backends: [backend], dirs: [profileDir] });
    dataDir.remove();
  }, 60_000);

  it('saves the toggle, says it applies at the next start, and after a restart as nobody shows the refusal with the sysctl line to copy', async (context) => {
    const { page } = browser!;
    await page.keyboard.press('Alt+4');
    const form = page.getByRole('form', { name: 'Proxy settings' });
    const toggle = form.getByLabel('Standard ports (80 and 443)');
    await form.getByText('so routes open at').waitFor();
    expect(await form.locator('.standard-ports code').first().textContent()).toBe('http://demo.localhost/');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByRole('status').getByText('Saved: the ports change when Switchyard restarts.').waitFor();
    await form.getByText('Saved: applies when Switchyard restarts', { exact: false }).waitFor();
    expect(JSON.parse(await cli('settings', '--json'))).toMatchObject({ useStandardPorts: true });

    if (!(await portFree(defaultHttpPort)) || !(await portFree(defaultHttpsPort))) {
      context.skip(`ports ${defaultHttpPort} and ${defaultHttpsPort} are not both free here: the restart without port flags needs them`);
    }
    await serve!.stop();
    chownTree(dataDir.path, nobody);
    serve = await startServeUnnamed(dataDir.path, nobody);
    await openUi(browser!, serve);
    const banner = page.locator('.banners').getByRole('status').filter({ hasText: 'Standard ports are on' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`so Switchyard listens on ports ${defaultHttpPort} and ${defaultHttpsPort} instead`);
    expect(await banner.locator('code').textContent()).toBe(fix);
    await banner.getByRole('button', { name: 'Copy the command that fixes it' }).waitFor();

    await page.keyboard.press('Alt+4');
    const refusal = form.locator('.standard-ports').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.locator('code').textContent()).toBe(fix);
    await refusal.getByRole('button', { name: 'Copy the command that allows the port' }).waitFor();
    expect(await refusal.textContent()).not.toMatch(/sudo switchyard/);
  });

  it('after a restart as root, where 80 and 443 are free, links the route with no port', async (context) => {
    if (!(await portFree(80)) || !(await portFree(443))) context.skip('ports 80 and 443 are not both free on 127.0.0.1 and [::1] here');
    await serve!.stop();
    serve = await startServeUnnamed(dataDir.path);
    await openUi(browser!, serve);
    const { page } = browser!;
    await page.keyboard.press('Alt+1');
    await routeItem(page, host).click();
    const link = routePane(page, host).getByRole('link', { name: host, exact: true });
    expect(await link.getAttribute('href')).toBe(`http://${host}/`);
    await routePane(page, host).getByRole('link', { name: `https://${host}/` }).waitFor();
    expect(await page.locator('.banners').getByText('Standard ports are on').count()).toBe(0);
  });
});
