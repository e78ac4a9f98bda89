// The figure users feel (issue 12): headless Chromium loads a page of
// MODULES small ES modules (bench/page-load-backend.mjs, a Vite dev server's
// shape) three ways: from the backend directly over HTTP/1.1, through
// Switchyard's plain listener (HTTP/1.1) and through its HTTPS listener (h2
// by ALPN). Chromium opens at most six HTTP/1.1 connections per host, so a
// module graph waits on them; over h2 every request shares one connection.
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';
import { median } from './report.mjs';
import { HOST } from './peers.mjs';
import { startChild, stopChild, waitForOutput } from './procs.mjs';
import { startSwitchyard } from './tls-peers.mjs';

const benchDir = new URL('.', import.meta.url).pathname;
/** Every name to 127.0.0.1. */
const resolveToLoopback = '--host-resolver-rules=MAP * 127.0.0.1';
const LOAD_TIMEOUT_MS = 30_000;

export const pageVariants = [
  { id: 'direct', title: 'backend directly, HTTP/1.1' },
  { id: 'switchyard-h1', title: 'through Switchyard, HTTP/1.1 (plain listener)' },
  { id: 'switchyard-h2', title: 'through Switchyard, h2 (HTTPS listener)' },
];

/** One load in a fresh context (no cache, no open connections): the load event's time from navigation start. */
async function loadOnce(browser, url, modules) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS });
    const seen = await page.evaluate(() => {
      const [nav] = performance.getEntriesByType('navigation');
      const protocols = new Set(performance.getEntriesByType('resource').map((r) => r.nextHopProtocol));
      return { loadMs: nav.loadEventStart, protocol: nav.nextHopProtocol, moduleProtocols: [...protocols], modules: globalThis.__modules };
    });
    if (seen.modules !== modules) return { error: `${seen.modules ?? 0} of ${modules} modules ran` };
    return seen;
  } catch (error) {
    return { error: error.message.split('\n')[0] };
  } finally {
    await context.close();
  }
}

/**
 * Runs the page-load measurement: `runs` rounds, the variants interleaved
 * (order rotated each round) after one unmeasured load each. Returns
 * { config, variants: { id: { loads, protocol, median, min, max, errors } } }.
 */
export async function runPageLoad({ log, runs, modules, delayMs, loadCore, proxyCore }) {
  const backend = startChild('page-backend', [process.execPath, join(benchDir, 'page-load-backend.mjs'), '0', String(modules), String(delayMs)], { core: loadCore });
  try {
    return await measurePages({ log, runs, modules, delayMs, proxyCore, backend });
  } finally {
    await stopChild(backend);
  }
}

async function measurePages({ log, runs, modules, delayMs, proxyCore, backend }) {
  const backendPort = Number((await waitForOutput(backend, /ready (\d+)/))[1]);
  const switchyard = await startSwitchyard({ backendPort, core: proxyCore });
  try {
    return await measureBrowser({ log, runs, modules, delayMs, backendPort, switchyard });
  } finally {
    await stopChild(switchyard.child);
  }
}

async function measureBrowser({ log, runs, modules, delayMs, backendPort, switchyard }) {
  const urls = {
    direct: `http://${HOST}:${backendPort}/`,
    'switchyard-h1': `http://${HOST}:${switchyard.httpPort}/`,
    'switchyard-h2': `https://${HOST}:${switchyard.port}/`,
  };
  const browser = await chromium.launch({
    // Unpinned, as a user's browser uses every core: parsing and running the modules is much of a load's
    // work, and pinned to the backend's core it would measure that contention instead of the network's shape.
    executablePath: chromiumPath,
    args: [...chromiumArgs, resolveToLoopback, `--ignore-certificate-errors-spki-list=${switchyard.leaf.spkiSha256}`],
  });
  const version = browser.version();
  const byVariant = Object.fromEntries(pageVariants.map((v) => [v.id, { loads: [], errors: [], protocols: new Set() }]));
  try {
    for (const variant of pageVariants) {
      const warm = await loadOnce(browser, urls[variant.id], modules);
      if (warm.error) throw new Error(`page load ${variant.id} (${urls[variant.id]}): ${warm.error}`);
    }
    for (let round = 0; round < runs; round++) {
      const order = pageVariants.map((_, i) => pageVariants[(i + round) % pageVariants.length]);
      const line = [];
      for (const variant of order) {
        const result = await loadOnce(browser, urls[variant.id], modules);
        const slot = byVariant[variant.id];
        if (result.error) slot.errors.push(result.error);
        else {
          slot.loads.push(result.loadMs);
          for (const p of [result.protocol, ...result.moduleProtocols]) slot.protocols.add(p);
        }
        line.push(`${variant.id} ${result.error ? `FAILED (${result.error})` : `${result.loadMs.toFixed(0)} ms`}`);
      }
      log(`  page run ${round + 1}/${runs}: ${line.join(', ')}`);
    }
  } finally {
    await browser.close();
  }
  const variants = {};
  for (const { id, title } of pageVariants) {
    const slot = byVariant[id];
    variants[id] = { title, loads: slot.loads, errors: slot.errors, protocol: [...slot.protocols].join('+'), median: median(slot.loads), min: Math.min(...slot.loads), max: Math.max(...slot.loads) };
  }
  return { config: { runs, modules, delayMs }, variants, chromium: version };
}
