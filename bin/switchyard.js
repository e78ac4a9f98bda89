#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'out', 'main', 'headless.js');
if (!existsSync(entry)) {
  process.stderr.write('switchyard: the app is not built yet. Run `npm run build` (or `npm start`) first.\n');
  process.exit(1);
}
require(entry);
