import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalCa, type LocalCa } from '../../src/main/core/tls';
import { secureContextCredentials } from '../../src/main/core/tls/engine-credentials';
import { tempDir } from '../helpers/core';
import { forgeLeaf } from '../helpers/local-ca';
import { certutilMissing, trustRootForChromium } from './nss-trust';
import { chromiumArgs, chromiumPath } from './ui-harness';

// Chrome's own verifier (not OpenSSL) with the root trusted the way a user
// trusts it on Linux: in the NSS database under $HOME/.pki/nssdb, with
// certutil. It shows the `localhost` constraint (no leading dot) permits bare
// localhost and subdomains in Chrome too, and the constraint refuses a forged
// example.com. Every name resolves to 127.0.0.1 (--host-resolver-rules).

const NAVIGATION_TIMEOUT_MS = 10_000;
if (certutilMissing) console.log(`local-ca-chromium: skipped: ${certutilMissing}`);

let dir: ReturnType<typeof tempDir>;
let dataDir: string;
const servers: Server[] = [];
let ca: LocalCa;
let browser: Browser;

async function serve(credentials: { key: string; cert: string }): Promise<number> {
  const server = createServer(credentials, (_request, response) => response.end('ok'));
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

/** The page's text, or Chrome's network error for the navigation. */
async function visit(host: string, port: number): Promise<string> {
  const page = await browser.newPage();
  try {
    await page.goto(`https://${host}:${port}/`, { timeout: NAVIGATION_TIMEOUT_MS });
    return (await page.textContent('body')) ?? '';
  } catch (error) {
    return /net::ERR_[A-Z_]+/.exec((error as Error).message)?.[0] ?? (error as Error).message;
  } finally {
    await page.close();
  }
}

describe.skipIf(certutilMissing !== undefined)('local CA in Chromium', () => {
  beforeAll(async () => {
    dir = tempDir('switchyard-local-ca-chromium-');
    dataDir = join(dir.path, 'data');
    ca = await openLocalCa({ dataDir });
    const home = join(dir.path, 'home');
    trustRootForChromium(home, join(dataDir, 'tls', 'root.crt'));
    browser = await chromium.launch({
      executablePath: chromiumPath,
      env: { ...process.env, HOME: home },
      args: [...chromiumArgs, '--host-resolver-rules=MAP * 127.0.0.1'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    dir.remove();
  });

  it('accepts leaves for localhost, x.y.localhost, a wildcard and home.arpa', async () => {
    const localhost = await serve(await secureContextCredentials(ca, ['localhost', 'x.y.localhost']));
    expect(await visit('localhost', localhost)).toBe('ok');
    expect(await visit('x.y.localhost', localhost)).toBe('ok');
    expect(await visit('a.demo.localhost', await serve(await secureContextCredentials(ca, ['*.demo.localhost'])))).toBe('ok');
    expect(await visit('nas.home.arpa', await serve(await secureContextCredentials(ca, ['nas.home.arpa'])))).toBe('ok');
  });

  it('refuses a leaf for example.com forged with the intermediate key, and accepts the same forgery for a permitted name', async () => {
    expect(await visit('example.com', await serve(await forgeLeaf(dataDir, ca, 'example.com')))).toBe('net::ERR_CERT_INVALID');
    expect(await visit('forged.localhost', await serve(await forgeLeaf(dataDir, ca, 'forged.localhost')))).toBe('ok');
  });
});
