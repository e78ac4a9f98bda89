// The HTTPS bench's targets, terminal summary and its "Local HTTPS" section
// of bench/RESULTS.md, kept when `npm run bench` rewrites the rest of that
// file (report.mjs takes it as it does the Soak and Idle sections).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const resultsFile = new URL('./RESULTS.md', import.meta.url);
const findingsFile = new URL('./tls-findings.md', import.meta.url);
const HEADING = '## Local HTTPS';
// Where a new section goes: before the ones `npm run soak` / `bench:idle` keep, else before the findings.
const FOLLOWING_HEADINGS = ['## Soak', '## Idle cost', '## Findings'];
/** Issue 12: Switchyard ≥ 0.5× nginx's rate in each case. */
const MIN_RATE_VS_NGINX = 0.5;

const num = (x, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const times = (x, ref) => (Number.isFinite(x) && ref > 0 ? `${(x / ref).toFixed(2)}×` : '—');
const row = (cells) => `| ${cells.join(' | ')} |`;
const spread = (values) => {
  const ok = values.filter(Number.isFinite);
  return ok.length ? `${num(Math.min(...ok))}–${num(Math.max(...ok))}` : '—';
};

function toolVersion(argv, pattern) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.match(pattern)?.[1] ?? 'unknown';
}

export function toolVersions(chromium) {
  return {
    nginx: toolVersion(['nginx', '-v'], /nginx\/(\S+)/),
    caddy: toolVersion(['caddy', 'version'], /^(v?\S+)/),
    wrk: toolVersion(['wrk', '-v'], /wrk (\S+)/),
    h2load: toolVersion(['h2load', '--version'], /nghttp2\/(\S+)/),
    openssl: toolVersion(['openssl', 'version'], /OpenSSL (\S+)/),
    node: process.version,
    chromium: chromium ?? 'not run',
  };
}

/** Per case: Switchyard's rate against nginx's (≥ 0.5×) and its CPU per request against Caddy's (lower). */
export function checkTargets(results) {
  const checks = [];
  for (const [caseId, byPeer] of Object.entries(results)) {
    const s = byPeer.switchyard;
    const rate = s?.rps / byPeer.nginx?.rps;
    const cpu = s?.cpuUs / byPeer.caddy?.cpuUs;
    checks.push({ text: `${caseId}: rate ≥ ${MIN_RATE_VS_NGINX}× nginx`, value: Number.isFinite(rate) ? `${rate.toFixed(2)}×` : 'not measured', met: Number.isFinite(rate) ? rate >= MIN_RATE_VS_NGINX : null });
    checks.push({ text: `${caseId}: CPU per request below Caddy's`, value: Number.isFinite(cpu) ? `${cpu.toFixed(2)}× Caddy (${num(s.cpuUs, 1)} vs ${num(byPeer.caddy.cpuUs, 1)} µs)` : 'not measured', met: Number.isFinite(cpu) ? cpu < 1 : null });
  }
  return checks;
}

/** What the Method list says about a case beyond its tool. */
const caseNotes = {
  handshake: `each lane of the client connects, handshakes (ALPN http/1.1), sends one GET with \`Connection: close\`, reads the
    answer and connects again, never offering a session back, so every one is a full TLS 1.3 handshake (X25519, ECDSA P-256
    signature; a resumed one fails the run). Not wrk: it resumes the previous connection's session on reconnect (about half its
    "new" connections did). The CPU column is per connection`,
  keepalive: 'wrk offers no ALPN, so HTTP/1.1',
};

const mark = (met) => (met === null ? 'not measured' : met ? 'met' : '**NOT met**');

function targetsTable(checks) {
  return [row(['Switchyard target (issue 12)', 'switchyard', 'status']), row(['---', '---:', '---']), ...checks.map((c) => row([c.text, c.value, mark(c.met)]))].join('\n');
}

function caseTable(testCase, byPeer) {
  const nginx = byPeer.nginx ?? {};
  const header = ['peer', testCase.unit, '× nginx', 'per round (min–max)', 'CPU µs/req', 'CPU × nginx', 'core %', 'peak RSS MB', 'errors'];
  const lines = [row(header), row(header.map((_, i) => (i === 0 ? '---' : '---:')))];
  for (const [name, s] of Object.entries(byPeer)) {
    const errors = [s.non2xx ? `${s.non2xx} non-2xx` : '', s.socketErrors ? `${s.socketErrors} socket` : '', ...s.errors].filter(Boolean).join('; ') || '0';
    lines.push(row([name, num(s.rps), times(s.rps, nginx.rps), spread(s.perRound), num(s.cpuUs, 1), times(s.cpuUs, nginx.cpuUs), num(s.corePercent), num(s.rssMb, 1), errors]));
  }
  return lines.join('\n');
}

function perRoundLines(run) {
  return run.cases.map((c) => {
    const lines = Object.entries(run.results[c.id]).map(
      ([name, s]) => `- ${name}: ${s.perRound.map((x) => num(x)).join(' / ')}; CPU µs/req ${s.perRoundCpuUs.map((x) => num(x, 1)).join(' / ')}`,
    );
    return `${c.id} (${c.unit} per round, then the peer's CPU per request per round):\n${lines.join('\n')}`;
  });
}

function pageTable(pages) {
  const header = ['backend delay', 'way', 'protocol', 'median load ms', 'min–max ms', '× direct', 'loads (ms, in run order)'];
  const lines = [row(header), row(header.map((_, i) => (i > 0 && i < 3 ? '---' : '---:')))];
  for (const p of pages) {
    const direct = p.variants.direct;
    for (const s of Object.values(p.variants)) {
      const loads = s.loads.map((x) => num(x)).join(' / ') + (s.errors.length ? `; failed: ${s.errors.join('; ')}` : '');
      lines.push(row([`${p.config.delayMs} ms`, s.title, s.protocol || '—', num(s.median), `${num(s.min)}–${num(s.max)}`, times(s.median, direct.median), loads]));
    }
  }
  return lines.join('\n');
}

function pageVerdicts(pages) {
  return pages.map((p) => {
    const h2 = p.variants['switchyard-h2'].median;
    const direct = p.variants.direct.median;
    return `- ${p.config.delayMs} ms per answer: h2 through Switchyard ${h2 < direct ? 'beats' : '**does not beat**'} direct HTTP/1.1, ${num(h2)} against ${num(direct)} ms (medians; load average ${p.loadAverage.toFixed(2)} before these loads).`;
  });
}

function renderSection(run, checks) {
  const { config, tools, tls, pages } = run;
  const negotiated = Object.entries(tls.negotiated).map(([name, text]) => `${name} ${text}`).join(', ');
  const caseLines = run.cases.map((c) => `  - ${c.id}: \`${c.tool}\`, ${c.unit}${caseNotes[c.id] ? `; ${caseNotes[c.id]}` : ''}.`);
  const { modules, runs } = pages[0].config;
  const delays = pages.map((p) => `${p.config.delayMs} ms`).join(' and ');
  return `${HEADING}

Generated by \`npm run bench:tls\` (bench/tls.mjs; the last step of \`npm run bench\`) at ${run.started}, on ${run.switchyard}.
${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown'}); nginx ${tools.nginx}, Caddy ${tools.caddy}, wrk ${tools.wrk}, h2load (nghttp2)
${tools.h2load}, OpenSSL ${tools.openssl}, Node ${tools.node}, Chromium ${tools.chromium}. 1-minute load average ${run.loadAtStart.toFixed(2)} at the start,
${tls.loads.map((l) => l.toFixed(2)).join(' / ')} at the start of each round, ${run.loadAtEnd.toFixed(2)} at the end: this 2-core machine is shared with other
engineers' builds and tests, so no peer ran alone on its core; the per-round columns give the spread.

- Peers, each terminating TLS for bench.localhost in front of the same backend (bench/backends.mjs's cheap nginx, \`return 200 "ok"\`):
  - switchyard: \`serve --https-port\`, one route with healthCheck=off.
  - nginx: 1 worker, \`listen ssl http2\`, \`ssl_protocols TLSv1.2 TLSv1.3\` (1.22's default lacks 1.3), session cache and tickets as
    default, upstream keepalive 64.
  - caddy: a Caddyfile with \`reverse_proxy\` and \`tls\` with the files, \`admin off\`, \`auto_https off\`, protocols h1 h2, GOMAXPROCS 1.
  - All three serve the same ECDSA P-256 leaf and chain, the one Switchyard's CA issued for the route (\`switchyard cert list\`);
    each is checked to serve that fingerprint to a client trusting only the root. Negotiated with Node's client: ${negotiated}.
- Pinning as bench/run.mjs: backend and load generator on core 0, the peer under test on core 1 (taskset).
- Cases (SNI and Host bench.localhost; wrk and h2load resolve it through a hosts file bind-mounted in a namespace of their own):
${caseLines.join('\n')}
- ${config.rounds} rounds, peers interleaved (order rotated each round), ${config.seconds} s per case and peer after a ${config.warmupSeconds} s warm-up each; medians.
  CPU is the peer's utime+stime (/proc/PID/stat, whole process tree) over the run divided by its requests; "core %" is that CPU
  over the run's wall time (well below 100%: the load generator's core, or the machine's other work, set the pace).

### Targets

${targetsTable(checks)}

${run.cases.map((c) => `### ${c.title}\n\n${caseTable(c, run.results[c.id])}`).join('\n\n')}

### Per round

${perRoundLines(run).join('\n\n')}

### Page load: ${modules} ES modules in headless Chromium

A page shaped like a Vite dev server's (bench/page-load-backend.mjs, node:http on core 0): index.html loads /m0.js, and module
n imports modules 5n+1…5n+5, a ${modules}-module tree the browser discovers level by level (6 levels). Every answer waits at the
backend, as a dev server transforms each module on request (${delays}), and carries no cache headers. Chromium ${tools.chromium}
(playwright-core, the UI tests' flags, every name mapped to 127.0.0.1, Switchyard's leaf trusted with
\`--ignore-certificate-errors-spki-list\`) runs unpinned; Switchyard on core 1. Each load is a new browser context (no cache, no
open connection); its time is the load event's from navigation start (Navigation Timing \`loadEventStart\`), checked to have run
all ${modules} modules. One unmeasured load per way first, then ${runs} rounds with the ways interleaved.

${pageTable(pages)}

${pageVerdicts(pages).join('\n')}

### Findings

${existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8').trim() : '- (no bench/tls-findings.md)'}
`;
}

/** What the terminal shows after a run. */
export function printSummary(run, checks, log) {
  if (run.results) {
    for (const c of run.cases) log(`\n${c.title}\n${caseTable(c, run.results[c.id])}`);
    log(`\n${targetsTable(checks)}`);
  }
  if (run.pages) log(`\nPage load, ${run.pages[0].config.modules} modules:\n${pageTable(run.pages)}\n${pageVerdicts(run.pages).join('\n')}`);
}

/** Where the section stands in `text`: from its heading to the next heading (or the end). */
function sectionSpan(text) {
  const start = text.indexOf(`\n${HEADING}\n`);
  if (start < 0) return undefined;
  const end = text.indexOf('\n## ', start + 1);
  return [start + 1, end < 0 ? text.length : end + 1];
}

const readResults = () => (existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '');

/** The Local HTTPS section of bench/RESULTS.md as it stands, with a blank line after it, or ''. */
export function currentTlsSection() {
  const text = readResults();
  const span = sectionSpan(text);
  return span ? `${text.slice(...span).trim()}\n\n` : '';
}

/** Replaces the Local HTTPS section of bench/RESULTS.md (or adds it before the kept sections); returns what it did. */
export function writeResultsSection(run, checks) {
  const section = `${renderSection(run, checks).trim()}\n\n`;
  const text = readResults();
  const following = FOLLOWING_HEADINGS.map((h) => text.indexOf(`\n${h}\n`)).find((i) => i >= 0) ?? -1;
  const [from, to] = sectionSpan(text) ?? (following >= 0 ? [following + 1, following + 1] : [text.length, text.length]);
  writeFileSync(resultsFile, `${text.slice(0, from)}${section}${text.slice(to)}`.replace(/\n+$/, '\n'));
  return `updated the Local HTTPS section of ${resultsFile.pathname}`;
}
