// The Layer 4 bench's targets (issue 13, "L4 performance"), terminal summary
// and the "Layer 4" section of bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { writeSection } from './l4-results-file.mjs';
import { median } from './report.mjs';

const HEADING = '## Layer 4';
const findingsFile = new URL('./l4-findings.md', import.meta.url);

const num = (x, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const times = (x, ref) => (Number.isFinite(x) && ref > 0 ? `${(x / ref).toFixed(2)}×` : '—');
const row = (cells) => `| ${cells.join(' | ')} |`;
const spread = (values, digits = 0) => {
  const ok = values.filter(Number.isFinite);
  return ok.length ? `${num(Math.min(...ok), digits)}–${num(Math.max(...ok), digits)}` : '—';
};

/**
 * The issue's targets: keep-alive ops/s ≥ 0.9× HAProxy's, CPU per op ≤ 1.5×
 * HAProxy's and within 10% of the bare Node pipe's; new connections/s ≥ 0.5×
 * HAProxy's and above the bare pipe's. Each is judged on the ratio of the
 * medians; the median of the rounds' own ratios is given beside it (under
 * load a round moves both of its figures, so the pairs are steadier).
 */
const targetSpecs = [
  { text: 'keep-alive GET/SET: ops/s ≥ 0.9× HAProxy', caseId: 'keepalive', key: 'rps', rounds: 'perRound', ref: 'haproxy', limit: 0.9, atLeast: true },
  { text: 'keep-alive GET/SET: CPU per op ≤ 1.5× HAProxy', caseId: 'keepalive', key: 'cpuUs', rounds: 'perRoundCpuUs', ref: 'haproxy', limit: 1.5 },
  { text: 'keep-alive GET/SET: CPU per op within 10% of the bare Node pipe', caseId: 'keepalive', key: 'cpuUs', rounds: 'perRoundCpuUs', ref: 'node-pipe', limit: 1.1 },
  { text: 'new connections/s ≥ 0.5× HAProxy', caseId: 'connect', key: 'rps', rounds: 'perRound', ref: 'haproxy', limit: 0.5, atLeast: true },
  { text: 'new connections/s above the bare Node pipe', caseId: 'connect', key: 'rps', rounds: 'perRound', ref: 'node-pipe', limit: 1, atLeast: true, strictly: true },
];

export function checkL4Targets(results) {
  return targetSpecs.map((spec) => {
    const s = results[spec.caseId]?.switchyard;
    const ref = results[spec.caseId]?.[spec.ref];
    const ratio = s?.[spec.key] / ref?.[spec.key];
    const paired = s && ref ? median(s[spec.rounds].map((x, i) => x / ref[spec.rounds][i])) : NaN;
    const measured = Number.isFinite(ratio);
    const met = !measured ? null : spec.atLeast ? (spec.strictly ? ratio > spec.limit : ratio >= spec.limit) : ratio <= spec.limit;
    const unit = spec.key === 'rps' ? '/s' : ' µs';
    return {
      text: spec.text,
      value: measured ? `${ratio.toFixed(2)}×` : 'not measured',
      paired: Number.isFinite(paired) ? `${paired.toFixed(2)}×` : '—',
      figures: measured ? `${num(s[spec.key], spec.key === 'rps' ? 0 : 1)}${unit} vs ${num(ref[spec.key], spec.key === 'rps' ? 0 : 1)}${unit}` : '—',
      met,
    };
  });
}

const mark = (met) => (met === null ? 'not measured' : met ? 'met' : '**NOT met**');

function targetsTable(checks) {
  return [
    row(['Switchyard target (issue 13)', 'ratio of medians', 'median of the rounds\' ratios', 'switchyard vs reference', 'status']),
    row(['---', '---:', '---:', '---:', '---']),
    ...checks.map((c) => row([c.text, c.value, c.paired, c.figures, mark(c.met)])),
  ].join('\n');
}

function caseTable(testCase, byPeer) {
  const haproxy = byPeer.haproxy ?? {};
  const header = ['peer', testCase.unit, '× HAProxy', 'per round (min–max)', `CPU µs/${testCase.per}`, 'CPU × HAProxy', 'core %', 'p50 ms', 'p99 ms', 'peak RSS MB', 'errors'];
  const lines = [row(header), row(header.map((_, i) => (i === 0 ? '---' : '---:')))];
  for (const [name, s] of Object.entries(byPeer)) {
    lines.push(row([name, num(s.rps), times(s.rps, haproxy.rps), spread(s.perRound), num(s.cpuUs, 1), times(s.cpuUs, haproxy.cpuUs), num(s.corePercent), num(s.p50Ms, 3), num(s.p99Ms, 3), num(s.rssMb, 1), s.errors.join('; ') || '0']));
  }
  return lines.join('\n');
}

function perRoundLines(run) {
  return run.cases.map((c) => {
    const lines = Object.entries(run.results[c.id]).map(
      ([name, s]) => `- ${name}: ${s.perRound.map((x) => num(x)).join(' / ')}; CPU µs/${c.per} ${s.perRoundCpuUs.map((x) => num(x, 1)).join(' / ')}`,
    );
    return `${c.id} (${c.unit} per round, then the peer's CPU per ${c.per} per round):\n${lines.join('\n')}`;
  });
}

function toolVersion(argv, pattern) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.match(pattern)?.[1] ?? 'unknown';
}

function renderSection(run, checks) {
  const tools = {
    redis: toolVersion(['redis-server', '--version'], /v=(\S+)/),
    haproxy: toolVersion(['haproxy', '-v'], /version (\S+)/),
    nginx: toolVersion(['nginx', '-v'], /nginx\/(\S+)/),
  };
  const peerLines = Object.entries(run.notes).map(([name, note]) => `  - ${name}: ${note}.`);
  const caseLines = run.cases.map((c) => `  - ${c.id}: \`redis-benchmark ${c.args.join(' ')} --csv\`; ${c.unit}, CPU per ${c.per}.`);
  const skipped = run.skipped.map((s) => `- Skipped: ${s.name}: ${s.reason}`).join('\n');
  return `${HEADING}

Generated by \`npm run bench:l4\` (bench/l4.mjs; a step of \`npm run bench\`) at ${run.started}, on ${run.switchyard}.
${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown'}); Redis ${tools.redis}, HAProxy ${tools.haproxy}, nginx ${tools.nginx}, Node ${process.version}.
1-minute load average ${run.loadAtStart.toFixed(2)} at the start, ${run.loads.map((l) => l.toFixed(2)).join(' / ')} at the start of each round,
${run.loadAtEnd.toFixed(2)} at the end: this 2-core machine is shared with other engineers' builds and tests, so no peer ran alone on
its core; the per-round figures and the rounds' own ratios give the spread.

- A real Redis (redis-server, no persistence) on core 0 with the load generator, redis-benchmark; the peer under test on core 1
  (taskset), as bench/run.mjs pins its backend, load and proxy. Every peer relays TCP to the same Redis:
${peerLines.join('\n')}
- Cases:
${caseLines.join('\n')}
- ${run.config.rounds} rounds, peers interleaved (order rotated each round). redis-benchmark runs a request count, so a warm-up run
  per peer and case measures its rate and each round's run is sized to about ${run.config.seconds} s at that rate. ops/s is the requests
  over redis-benchmark's own time per test; CPU is the peer's utime+stime (/proc/PID/stat, whole process tree) over the run divided
  by its requests (for direct, Redis's own, which every peer's ops also cost core 0); "core %" is that CPU over the run's time.
  p50 and p99 are redis-benchmark's, the higher of the run's tests.${skipped ? `\n${skipped}` : ''}

### Targets

${targetsTable(checks)}

${run.cases.map((c) => `### ${c.title}\n\n${caseTable(c, run.results[c.id])}`).join('\n\n')}

### Per round

${perRoundLines(run).join('\n\n')}

### Findings

${existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8').trim() : '- (no bench/l4-findings.md)'}
`;
}

export function printL4Summary(run, checks, log) {
  for (const c of run.cases) log(`\n${c.title}\n${caseTable(c, run.results[c.id])}`);
  log(`\n${targetsTable(checks)}`);
}

export function writeL4Section(run, checks) {
  return writeSection(HEADING, renderSection(run, checks));
}
