/**
 * V8 flags `switchyard serve` runs with, wherever it is started:
 * - 2 MB young-generation semi-spaces (V8's default grows them to 16 MB) keep
 *   the proxy's resident memory 30-40 MB lower under load (bench/ab.mjs's
 *   peak RSS column: 95-97 MB against 128-145 MB with 16 MB semi-spaces).
 * - A 64 MB initial old generation: after a few seconds idle V8's memory
 *   reducer shrinks the heap, and without a configured initial size the old
 *   generation's limit then sits just above what is live. TLS and h2 traffic
 *   promote enough to hit it every 100 ms or so (a full mark-compact each
 *   time, seen with --trace-gc), and the slower the proxy gets the longer its
 *   streams live and the more they promote: a dev tool's life (idle, then a
 *   burst) made keep-alive HTTPS 2-2.5x and h2 3-4x costlier per request
 *   until the process restarted (bench/tls-findings.md, "GC after idle").
 *   32 MB was not enough; --no-memory-reducer also ends it but keeps the idle
 *   heap (12 MB more RSS at 500 checked backends).
 * V8 reads them only at start-up, so bin/switchyard.js carries them on its
 * shebang (scripts and benches read them from there), the desktop app as
 * js-flags, and a service unit on its ExecStart: one that ran `node
 * bin/switchyard.js` would lose the shebang's.
 */
export const serveV8Flags = ['--max-semi-space-size=2', '--initial-old-space-size=64'] as const;
