// Debian's Chromium as the UI tests (test/e2e/ui-harness.ts), the render-cost
// script and the page-load bench run it: headless on a shared machine, with
// nothing of its own going to the network (QUIC off, so h2 is what a page gets
// over TLS).

export const chromiumPath = '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
