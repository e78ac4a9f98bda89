// The Node flags `switchyard serve` runs with, read from bin/switchyard.js's
// shebang (src/main/headless/serve-v8-flags.ts says why each is there), for
// whatever starts serve with `node` itself: npm start without Electron and
// the benches. A shebang is ignored when node is handed the script, so these
// must be given on node's command line. test/unit/service.test.ts checks the
// shebang carries exactly serveV8Flags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(new URL('.', import.meta.url).pathname, '..');

/** The flags after `node` on bin/switchyard.js's first line. */
export function serveNodeFlags() {
  const shebang = readFileSync(join(repoRoot, 'bin', 'switchyard.js'), 'utf8').split('\n', 1)[0];
  return shebang.replace(/^#!.*?\bnode\b/, '').trim().split(/\s+/).filter(Boolean);
}
