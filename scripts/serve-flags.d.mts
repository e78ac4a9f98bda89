/** The flags after `node` on bin/switchyard.js's first line (scripts/serve-flags.mjs). */
export function serveNodeFlags(): string[];
