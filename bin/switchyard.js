#!/usr/bin/env -S node --max-semi-space-size=2 --initial-old-space-size=64
// The V8 flags of src/main/headless/serve-v8-flags.ts, which says why (small
// young generation for memory; a floor under the old generation's limit,
// without which TLS and h2 traffic after an idle spell ran several times
// costlier). V8 reads them only at start-up, so they ride on the shebang
// (npm's bin links keep it); scripts/start.mjs and the benches read them
// from this line.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'out', 'main', 'headless.js');
if (!existsSync(entry)) {
  process.stderr.write('switchyard: the app is not built yet. Run `npm run build` (or `npm start`) first.\n');
  process.exit(1);
}
require(entry);
