// What one live push costs the UI: a development build (React's Profiler
// reports only there) of the app in --root is served by its own `serve` with
// 50 routes × 4 loopback backends and traffic to every route, so the engine
// pushes `backends.changed` once a second; Chromium opens the UI and we
// divide React's commits and render time by the pushes the page received.
//
//   node scripts/measure-render-cost.mjs [--root DIR] [--seconds 10] [--routes 50] [--backends 4]
//
// --root lets the same measurement run on an older checkout (git archive it
// to a folder, symlink node_modules, wrap its <App/> in withDevProfiler).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import react from '@vitejs/plugin-react';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from './chromium.mjs';
import { build as viteBuild } from 'vite';

const { values: options } = parseArgs({
  options: {
    root: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), '..') },
    seconds: { type: 'string', default: '10' },
    routes: { type: 'string', default: '50' },
    backends: { type: 'string', default: '4' },
  },
});
const root = resolve(options.root);
const seconds = Number(options.seconds);
const routeCount = Number(options.routes);
const backendCount = Number(options.backends);
/** Requests per second spread over all routes: enough that every route's counters move each second. */
const requestsPerSecond = routeCount;
const warmUpMs = 3_000;
const startTimeoutMs = 15_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Inside node_modules so the externalised packages resolve, outside `out/` so
// the tests of other people keep their production build.
const outDir = join(root, 'node_modules', '.cache', `switchyard-render-cost-${createHash('sha1').update(root).digest('hex').slice(0, 8)}`);
execFileSync('npx', ['electron-vite', 'build', '--outDir', outDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
// electron-vite always builds with NODE_ENV=production, so the renderer is
// built again by Vite itself as a development build over the production one.
process.env.NODE_ENV = 'development';
await viteBuild({
  configFile: false,
  root: join(root, 'src', 'renderer'),
  base: './',
  mode: 'development',
  logLevel: 'warn',
  plugins: [react()],
  build: { outDir: join(outDir, 'renderer'), emptyOutDir: true, minify: false },
});

const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-render-cost-'));
const profileDir = mkdtempSync(join(tmpdir(), 'switchyard-render-cost-chromium-'));
const servers = [];
let child;
let context;
let trafficTimer;

async function main() {
  for (let i = 0; i < backendCount; i++) {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(`backend ${i}`));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
  }

  // Its own process group, so the whole serve goes when we stop it.
  child = spawn(process.execPath, [join(outDir, 'main', 'headless.js'), 'serve', '--data-dir', dataDir, '--http-port', '0', '--https-port', '0', '--admin-port', '0'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const connectionFile = join(dataDir, 'connection.json');
  const deadline = Date.now() + startTimeoutMs;
  while (!existsSync(connectionFile)) {
    if (Date.now() > deadline) throw new Error('serve did not write connection.json in time');
    await sleep(50);
  }
  await sleep(100);
  const connection = JSON.parse(readFileSync(connectionFile, 'utf8'));

  const invoke = async (name, input) => {
    const response = await fetch(`${connection.adminUrl}/api/v1/commands/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${connection.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const answer = await response.json();
    if (!answer.ok) throw new Error(`${name}: ${answer.error.message}`);
    return answer.result;
  };
  for (let r = 0; r < routeCount; r++) {
    await invoke('routes.create', {
      host: `r${r}.localhost`,
      // Without health checks the engine pushes once a second while traffic
      // flows (each check result is pushed at once, 100 a second here).
      settings: { healthCheck: 'off' },
      backends: servers.map((s) => ({ url: `http://127.0.0.1:${s.address().port}` })),
    });
  }

  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let next = 0;
  const perTick = Math.max(1, Math.round(requestsPerSecond / 10));
  trafficTimer = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      const host = `r${next++ % routeCount}.localhost`;
      http
        .get({ host: '127.0.0.1', port: connection.httpPort, path: '/', headers: { host }, agent }, (res) => res.resume())
        .on('error', () => {});
    }
  }, 100);

  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let pushes = 0;
  cdp.on('Network.webSocketFrameReceived', (event) => {
    if (event.response.payloadData.includes('"name":"backends.changed"')) pushes += 1;
  });
  await page.goto(`${connection.adminUrl}/#token=${connection.token}`);
  await page.getByText(`r${routeCount - 1}.localhost`).first().waitFor({ timeout: startTimeoutMs });
  await sleep(warmUpMs);

  // Runs in the page, where window is defined.
  // eslint-disable-next-line no-undef
  const read = () => page.evaluate(() => ({ ...(window.__switchyardRenderProfile ?? { commits: 0, ms: 0 }) }));
  const before = await read();
  const pushesBefore = pushes;
  await sleep(seconds * 1000);
  const after = await read();
  const received = pushes - pushesBefore;
  const commits = after.commits - before.commits;
  const ms = after.ms - before.ms;
  console.log(
    JSON.stringify({
      root,
      routes: routeCount,
      backendsPerRoute: backendCount,
      seconds,
      pushes: received,
      commits,
      renderMs: Number(ms.toFixed(1)),
      commitsPerPush: Number((commits / received).toFixed(2)),
      msPerPush: Number((ms / received).toFixed(2)),
    }),
  );
}

try {
  await main();
} finally {
  clearInterval(trafficTimer);
  await context?.close();
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  rmSync(profileDir, { recursive: true, force: true });
  await sleep(500);
  rmSync(dataDir, { recursive: true, force: true });
}
