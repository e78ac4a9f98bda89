/**
 * V8 flags `switchyard serve` runs with, wherever it is started: 2 MB
 * young-generation semi-spaces (V8's default grows them to 16 MB) keep the
 * proxy's resident memory under 100 MB under load (bench/RESULTS.md). V8
 * reads them only at start-up, so bin/switchyard.js carries them on its
 * shebang, scripts/start.mjs on its command line, the desktop app as
 * js-flags, and a service unit on its ExecStart: one that ran `node
 * bin/switchyard.js` would lose the shebang's.
 */
export const serveV8Flags = ['--max-semi-space-size=2'] as const;
