// One "## Heading" section of bench/RESULTS.md, written by a bench of its
// own (Layer 4, HTTP cache) and kept when `npm run bench` rewrites the rest
// of the file (report.mjs reads it back as it does Local HTTPS, Soak and Idle).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const resultsFile = new URL('./RESULTS.md', import.meta.url);
// A new section goes before the ones `npm run soak` / `bench:idle` keep, else before the findings.
const FOLLOWING_HEADINGS = ['## Soak', '## Idle cost', '## Findings'];

const readResults = () => (existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '');

/** Where `heading`'s section stands in `text`: from its heading to the next heading (or the end). */
function sectionSpan(text, heading) {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) return undefined;
  const end = text.indexOf('\n## ', start + 1);
  return [start + 1, end < 0 ? text.length : end + 1];
}

/** The section as it stands in bench/RESULTS.md, with a blank line after it, or ''. */
export function currentSection(heading) {
  const text = readResults();
  const span = sectionSpan(text, heading);
  return span ? `${text.slice(...span).trim()}\n\n` : '';
}

/** Replaces the section (or adds it before the kept sections); returns what it did. */
export function writeSection(heading, body) {
  const section = `${body.trim()}\n\n`;
  const text = readResults();
  const following = FOLLOWING_HEADINGS.map((h) => text.indexOf(`\n${h}\n`)).find((i) => i >= 0) ?? -1;
  const [from, to] = sectionSpan(text, heading) ?? (following >= 0 ? [following + 1, following + 1] : [text.length, text.length]);
  writeFileSync(resultsFile, `${text.slice(0, from)}${section}${text.slice(to)}`.replace(/\n+$/, '\n'));
  return `updated the "${heading.replace(/^## /, '')}" section of ${resultsFile.pathname}`;
}
