import { existsSync, readFileSync } from 'node:fs';
import { currentIdleSection } from './idle-report.mjs';
import { currentSection } from './l4-results-file.mjs';
import { currentSoakSection } from './soak-report.mjs';
import { currentTlsSection } from './tls-report.mjs';
// Turning measurements into medians, Markdown tables, target checks and
// bench/RESULTS.md.

function peak(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? Math.max(...v) : NaN;
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Folds the rounds of one (case, target) into medians, peaks and sums. */
export function summarize(runs) {
  const ok = runs.filter((r) => !r.error);
  const pick = (key) => ok.map((r) => r[key]);
  return {
    runs: runs.length,
    okRuns: ok.length,
    throughput: median(pick('throughput')),
    rps: median(pick('rps')),
    p50Ms: median(pick('p50Ms')),
    p99Ms: median(pick('p99Ms')),
    cpuUs: median(pick('cpuUsPerReq')),
    corePercent: median(pick('corePercent')),
    rssMb: peak(pick('rssMb')),
    requests: ok.reduce((s, r) => s + r.requests, 0),
    non2xx: ok.reduce((s, r) => s + r.non2xx, 0),
    socketErrors: ok.reduce((s, r) => s + r.socketErrors, 0),
    errors: [...new Set(runs.filter((r) => r.error).map((r) => r.error))],
    perRound: runs.map((r) => (r.error ? NaN : r.throughput)),
    perRoundCpuUs: runs.map((r) => (r.error ? NaN : r.cpuUsPerReq)),
  };
}

const num = (x, digits = 0) =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';
const ratio = (x, ref) => (Number.isFinite(x) && Number.isFinite(ref) && ref > 0 ? `${(x / ref).toFixed(2)}×` : '—');
const ms = (x) => (Number.isFinite(x) ? (x < 1 ? x.toFixed(3) : x.toFixed(2)) : '—');

function row(cells) {
  return `| ${cells.map((c) => String(c).replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |`;
}

/** One Markdown table for a case. `summary` maps target name → summarize() output. */
export function caseTable(testCase, summary, targets) {
  const nginx = summary.nginx;
  const direct = summary.direct;
  const unit = testCase.unit;
  const isWs = testCase.kind === 'ws';
  const header = isWs
    ? [`target`, unit, '× nginx', 'CPU µs/msg', 'CPU × nginx', 'peak RSS MB', 'errors', 'note']
    : ['target', unit, '× nginx', ...(unit === 'MB/s' ? ['req/s'] : []), 'p50 ms', 'p50 over direct ms', 'p99 ms', 'CPU µs/req', 'CPU × nginx', 'core %', 'peak RSS MB', 'non-2xx', 'socket errors'];
  const lines = [row(header), row(header.map((h, i) => (i === 0 || h === 'note' ? '---' : '---:')))];
  for (const name of targets) {
    const s = summary[name];
    if (!s) continue;
    const digits = unit === 'MB/s' ? 1 : 0;
    const note = s.skipped ?? (s.errors.length ? `FAILED: ${s.errors[0]}` : '');
    if (isWs) {
      lines.push(row([name, num(s.throughput), ratio(s.throughput, nginx?.throughput), num(s.cpuUs, 1), ratio(s.cpuUs, nginx?.cpuUs), num(s.rssMb, 1), num(s.socketErrors), note]));
      continue;
    }
    if (!s.okRuns) {
      lines.push(row([name, `FAILED: ${s.errors[0] ?? s.skipped ?? 'no result'}`, ...header.slice(2).map(() => '—')]));
      continue;
    }
    lines.push(
      row([
        name,
        num(s.throughput, digits),
        ratio(s.throughput, nginx?.throughput),
        ...(unit === 'MB/s' ? [num(s.rps)] : []),
        ms(s.p50Ms),
        name === 'direct' ? '—' : ms(s.p50Ms - direct?.p50Ms),
        ms(s.p99Ms),
        num(s.cpuUs, 1),
        ratio(s.cpuUs, nginx?.cpuUs),
        num(s.corePercent),
        num(s.rssMb, 1),
        num(s.non2xx),
        num(s.socketErrors),
      ]),
    );
  }
  return lines.join('\n');
}

const RECORD_COST_LIMIT = 0.05;
const signedPercent = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/**
 * What the traffic record costs: (CPU/req with it − CPU/req without) / without,
 * switchyard against switchyard-norecord in the same rounds. Reference: the
 * median of the per-round pairs (each pair ran back to back) and 1 connection.
 */
function recordCost(results) {
  const cost = (on, off) => (on - off) / off;
  const pair = (caseId) => [results[caseId]?.switchyard, results[caseId]?.['switchyard-norecord']];
  const [on, off] = pair('small-c64');
  const text = `64 connections: the traffic record costs ≤ ${RECORD_COST_LIMIT * 100}% CPU per request (on vs off)`;
  if (!on?.okRuns || !off?.okRuns) return { text, value: 'not measured', met: null, reference: '—' };
  const value = cost(on.cpuUs, off.cpuUs);
  const paired = median(on.perRoundCpuUs.map((x, i) => cost(x, off.perRoundCpuUs[i])));
  const [on1, off1] = pair('small-c1');
  const reference = [
    `on ${on.cpuUs.toFixed(1)} µs, off ${off.cpuUs.toFixed(1)} µs`,
    Number.isFinite(paired) && `median of the per-round pairs ${signedPercent(paired)}`,
    on1?.okRuns && off1?.okRuns && `1 connection ${signedPercent(cost(on1.cpuUs, off1.cpuUs))}`,
  ];
  return { text, value: signedPercent(value), met: Number.isFinite(value) ? value <= RECORD_COST_LIMIT : null, reference: reference.filter(Boolean).join('; ') };
}

/**
 * The issue's targets for Switchyard, each { text, value, met, reference }:
 * met is true/false, or null when not measured; reference gives the same
 * metric for other targets, to tell a hard target from a slow proxy. The
 * headline comes first: CPU per request at saturation against nginx.
 */
export function checkTargets(results) {
  const get = (caseId, target, key) => results[caseId]?.[target]?.[key];
  const vs = (caseId, key, ref) => (t) => get(caseId, t, key) / get(caseId, ref, key);
  const times = (x) => `${x.toFixed(2)}×`;
  const specs = [
    {
      text: '64 connections (saturation): CPU per request ≤ 2× nginx',
      metric: vs('small-c64', 'cpuUs', 'nginx'),
      limit: 2,
      fmt: times,
      refs: ['haproxy', 'http-proxy', 'node-framing', 'node-parse'],
    },
    { text: '64 connections: req/s ≥ 0.5× nginx', metric: vs('small-c64', 'throughput', 'nginx'), limit: 0.5, atLeast: true, fmt: times, refs: ['haproxy', 'http-proxy'] },
    { text: '64 connections: req/s ≥ 2× http-proxy', metric: vs('small-c64', 'throughput', 'http-proxy'), limit: 2, atLeast: true, fmt: times, refs: ['nginx', 'haproxy'] },
    {
      text: '1 connection: p50 latency added over direct ≤ 0.1 ms',
      metric: (t) => get('small-c1', t, 'p50Ms') - get('small-c1', 'direct', 'p50Ms'),
      limit: 0.1,
      fmt: (x) => `+${x.toFixed(3)} ms`,
      refs: ['nginx', 'haproxy', 'http-proxy'],
    },
    { text: '1 MB bodies: MB/s ≥ 0.5× nginx', metric: vs('body-1mb', 'throughput', 'nginx'), limit: 0.5, atLeast: true, fmt: times, refs: ['haproxy', 'http-proxy'] },
    {
      text: 'RSS under load ≤ 100 MB (peak over all cases)',
      metric: (t) => peak(Object.values(results).map((byTarget) => byTarget[t]?.rssMb)),
      limit: 100,
      fmt: (x) => `${x.toFixed(1)} MB`,
      refs: ['nginx', 'haproxy', 'http-proxy'],
    },
  ];
  const checks = specs.map((spec) => {
    const value = spec.metric('switchyard');
    const measured = Number.isFinite(value);
    const reference = spec.refs
      .map((t) => [t, spec.metric(t)])
      .filter(([, x]) => Number.isFinite(x))
      .map(([t, x]) => `${t} ${spec.fmt(x)}`)
      .join(', ');
    return {
      text: spec.text,
      value: measured ? spec.fmt(value) : 'not measured',
      met: measured ? (spec.atLeast ? value >= spec.limit : value <= spec.limit) : null,
      reference: reference || '—',
    };
  });
  return [...checks, recordCost(results)];
}

export function targetsTable(checks) {
  const mark = (met) => (met === null ? 'not measured' : met ? 'met' : '**NOT met**');
  return [
    row(['Switchyard target', 'switchyard', 'status', 'same metric, other targets']),
    row(['---', '---:', '---', '---']),
    ...checks.map((c) => row([c.text, c.value, mark(c.met), c.reference])),
  ].join('\n');
}

/** Lines about errors, non-2xx answers, failed and skipped targets. */
export function problems(results, cases, skipped) {
  const lines = skipped.map((s) => `${s.name}: skipped: ${s.reason}`);
  for (const testCase of cases) {
    for (const [name, s] of Object.entries(results[testCase.id] ?? {})) {
      if (s.skipped) continue;
      if (s.non2xx) lines.push(`${name}, ${testCase.title}: ${s.non2xx} non-2xx/3xx responses (wrk "Non-2xx or 3xx responses") out of ${s.requests}`);
      if (s.socketErrors) lines.push(`${name}, ${testCase.title}: ${s.socketErrors} socket errors (connect/read/write/timeout)`);
      for (const error of s.errors) lines.push(`${name}, ${testCase.title}: ${error}`);
    }
  }
  return lines;
}

/** The developers' notes from bench/FINDINGS.md, kept across runs. */
function findings() {
  const file = new URL('./FINDINGS.md', import.meta.url);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : '- (no bench/FINDINGS.md)';
}

export function renderResults({ machine, method, cases, results, targets, checks, problemLines }) {
  const sections = cases.map((c) => `### ${c.title}\n\n${caseTable(c, results[c.id] ?? {}, targets)}`);
  const rounds = cases.map((c) => {
    const lines = targets
      .filter((t) => results[c.id]?.[t] && !results[c.id][t].skipped)
      .map((t) => {
        const s = results[c.id][t];
        const cpu = s.perRoundCpuUs.some(Number.isFinite) ? `; CPU µs/${c.kind === 'ws' ? 'msg' : 'req'} ${s.perRoundCpuUs.map((x) => num(x, 1)).join(' / ')}` : '';
        return `- ${t}: ${s.perRound.map((x) => num(x, c.unit === 'MB/s' ? 1 : 0)).join(' / ')}${cpu}`;
      });
    return `${c.title} (${c.unit} per round, and the proxy's CPU per round):\n${lines.join('\n')}`;
  });
  return `# Switchyard benchmark results

Generated by \`npm run bench\` (bench/run.mjs). Re-run it to refresh this file.

## Machine

| | |
| --- | --- |
| nproc | ${machine.nproc} |
| CPU | ${machine.cpu} |
| memory | ${machine.memory} |
| kernel | ${machine.kernel} |
| node | ${machine.node} |
| Switchyard | ${machine.switchyard} |
| nginx | ${machine.nginx} |
| HAProxy | ${machine.haproxy} |
| wrk | ${machine.wrk} |
| date | ${machine.date} |
| load | ${machine.load} |

## Method

${method}

## Targets (from the issue)

${targetsTable(checks)}

## Results

Medians over the rounds; "× nginx" is the ratio to nginx in the same case (for CPU, lower is better). CPU is the proxy's utime+stime
(/proc/PID/stat, whole process tree) during the run divided by the requests (or echoed messages) of that run; for direct it is the
backend's own, which every proxied request costs core 0 as well. Peak RSS is the highest VmRSS (/proc/PID/status, whole process
tree) sampled every 200 ms during the case. "core %" is that CPU time over the run's wall time: near 100% the proxy is saturated and
its CPU per request is what it costs at full load; well below, something else (core 0, or other work on the machine) set the pace.
"p50 over direct" is the target's median p50 minus direct's. Non-2xx and socket errors are summed over all rounds.

${sections.join('\n\n')}

### Per round

${rounds.join('\n\n')}

## Errors and non-2xx responses seen

${problemLines.length ? problemLines.map((l) => `- ${l}`).join('\n') : '- none: every response was 2xx and no socket errors occurred.'}

${currentTlsSection()}${currentSection('## Layer 4')}${currentSection('## HTTP cache')}${currentSoakSection()}${currentIdleSection()}## Findings

${findings()}
`;
}
