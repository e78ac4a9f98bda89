import type { Status } from '../../shared/commands';
import type { BackendStats, BackendStatus, RouteLive, StatusClasses } from '../../shared/events';
import type { Route } from '../../shared/model';
import { originOf } from '../../shared/origin';
import { routeLabel } from '../../shared/route-label';
import type { TrafficRecord } from '../../shared/traffic';

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function formatRoutes(routes: Route[], httpPort: number | undefined): string {
  if (routes.length === 0) return 'No routes yet. Add one: switchyard route add demo.localhost --backend http://127.0.0.1:3000';
  const rows = [['HOST', 'PATH', 'ALGORITHM', 'BACKENDS']];
  for (const route of routes) {
    const backends = route.backends.length
      ? route.backends.map((b) => `${b.url}${b.weight !== 1 ? ` (weight ${b.weight})` : ''}${b.enabled ? '' : ' [off]'}`).join(', ')
      : '(none)';
    rows.push([route.host, route.path, route.algorithm, backends]);
  }
  const hint = httpPort ? `\n\nOpen ${originOf('http', '<host>', httpPort)}/ in a browser, or curl it.` : '';
  return table(rows) + hint;
}

/** The ports the useStandardPorts setting asked for at this start, beside the Proxy line's bound ones (a refusal is a Problem line too). */
function requestedPortsLine(status: Status): string[] {
  const { useStandardPorts, http, https } = status.requestedPorts;
  if (!useStandardPorts) return [];
  return [`  Ports:    standard ports on, asked for http ${http}${https === undefined ? '' : `, https ${https}`}`];
}

export function formatStatus(status: Status, uiUrl: string): string {
  const listeners = status.listeners.map((l) => `${l.kind} ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`);
  return [
    `Switchyard ${status.version}, running since ${status.startedAt}`,
    `  Proxy:    ${listeners.join(', ') || '(not listening)'}`,
    ...requestedPortsLine(status),
    `  Routes:   ${status.routeCount} with ${status.backendCount} backend${status.backendCount === 1 ? '' : 's'}`,
    `  UI:       ${uiUrl}`,
    `  Data dir: ${status.dataDir}`,
    ...status.problems.map((p) => `  Problem:  ${p.message}`),
  ].join('\n');
}

const marks: Record<BackendStatus, string> = {
  healthy: '●',
  unknown: '◌',
  unhealthy: '✖',
  ejected: '⊘',
  draining: '◐',
  drained: '○',
  disabled: '·',
};

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

const milliseconds = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms)}`);

/** "p50 3 p95 41 ms", or "p50 - p95 -" before there is a sample (no unit after nothing). */
function percentiles(latency: { p50: number | null; p95: number | null }): string {
  const figures = `p50 ${milliseconds(latency.p50)} p95 ${milliseconds(latency.p95)}`;
  return latency.p50 === null && latency.p95 === null ? figures : `${figures} ms`;
}

/** "2xx 120 4xx 3 5xx 0": 3xx only when there were some, as dev servers rarely redirect. */
function classes(counts: StatusClasses): string {
  return [`2xx ${counts['2xx']}`, ...(counts['3xx'] ? [`3xx ${counts['3xx']}`] : []), `4xx ${counts['4xx']}`, `5xx ${counts['5xx']}`].join(' ');
}

/** "errors 4%", then the failed attempts behind it and how many went on to another backend. */
function errors(stats: BackendStats): string {
  const failed = stats.failures ? `, ${stats.failures} failed (${stats.retries} retried)` : '';
  return `errors ${percent(stats.errorRate)}${failed}`;
}

/** The route's traffic line, once it has had any: what its clients got, and what Switchyard answered itself. */
function routeTraffic(live: RouteLive | undefined, kind: Route['kind']): string[] {
  if (!live || live.requests === 0) return [];
  // A TCP or TLS passthrough route's "requests" are connections, and it has no statuses.
  if (kind === 'tcp' || kind === 'tls') return [`  ${live.requests} connections, ${live.rps}/s · ${live.errorsLastMinute} failed connects in the last minute`];
  // A UDP route's are sessions; its failures are ICMP unreachables and replies owed at the idle timeout.
  if (kind === 'udp') return [`  ${live.requests} sessions, ${live.rps}/s · ${live.errorsLastMinute} failed in the last minute`];
  const local = Object.entries(live.local)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count}×${status}`);
  const parts = [
    `${live.requests} requests, ${live.rps} req/s`,
    classes(live.responses),
    ...(local.length ? [`answered by Switchyard: ${local.join(' ')}`] : []),
    `${live.errorsLastMinute} error${live.errorsLastMinute === 1 ? '' : 's'} in the last minute`,
  ];
  return [`  ${parts.join(' · ')}`];
}

/**
 * Every route's backends, one line each: status, share of the last minute's
 * answers, rate, answers by class, errors, latency (ms) and why.
 */
export function formatHealth(routes: Route[], live: Record<string, BackendStats>, routeLive: Record<string, RouteLive> = {}): string {
  if (routes.length === 0) return 'No routes yet.';
  const lines: string[] = [];
  for (const route of routes) {
    lines.push(`${routeLabel(route)}  (${route.algorithm}, checks: ${route.settings.healthCheck})`, ...routeTraffic(routeLive[route.id], route.kind));
    const rows = route.backends.map((backend) => {
      const stats = live[backend.id];
      const status = stats?.status ?? 'unknown';
      if (!stats) return [`  ${marks[status]} ${status}`, backend.url, '', '', '', '', '', ''];
      if (route.kind === 'tcp' || route.kind === 'tls') {
        return [
          `  ${marks[status]} ${status}`,
          backend.url,
          percent(stats.share),
          `${stats.active} open`,
          `${stats.bytesIn} B in ${stats.bytesOut} B out`,
          errors(stats),
          `connect ${percentiles(stats.latency)}`,
          stats.reason,
        ];
      }
      if (route.kind === 'udp') {
        return [
          `  ${marks[status]} ${status}`,
          backend.url,
          percent(stats.share),
          `${stats.active} sessions`,
          `${stats.datagramsIn ?? 0} datagrams (${stats.bytesIn} B) in ${stats.datagramsOut ?? 0} (${stats.bytesOut} B) out`,
          errors(stats),
          `first reply ${percentiles(stats.latency)}`,
          stats.reason,
        ];
      }
      return [
        `  ${marks[status]} ${status}`,
        backend.url,
        percent(stats.share),
        `${stats.rps} req/s`,
        classes(stats.responses),
        errors(stats),
        percentiles(stats.latency),
        stats.reason,
      ];
    });
    if (rows.length) lines.push(table(rows));
    else lines.push('  (no backends)');
  }
  return lines.join('\n');
}

/**
 * One exchange on one line, like a combined log with Envoy's response flags
 * ("-" when none, as Envoy prints them): time, client, method, host and
 * path, status, duration, flags, then where it went and how many tries.
 */
export function formatRecord(record: TrafficRecord): string {
  const flags = record.flags.length ? record.flags.join(',') : '-';
  // A connection (an L4 route's) has no method, path or status: its kind, its listen URL and how it ended stand in their places.
  const connection = record.end !== null;
  const parts = connection
    ? [new Date(record.at).toISOString(), record.client, record.kind.toUpperCase(), record.host, record.end!, `${record.totalMs.toFixed(1)}ms`, flags]
    : [new Date(record.at).toISOString(), record.client, record.method, `${record.host}${record.path}`, String(record.status), `${record.totalMs.toFixed(1)}ms`, flags];
  if (record.backend) parts.push(`→ ${record.backend}`);
  if (record.attempts.length > 1) parts.push(`(${record.attempts.length} attempts)`);
  if (record.upgrade && record.upgradeMs !== null) parts.push(`(${record.upgrade} open ${(record.upgradeMs / 1000).toFixed(1)}s)`);
  if (connection) parts.push(`${record.bytesIn} B up, ${record.bytesOut} B down`);
  if (record.cache) parts.push(`cache=${record.cache}`);
  return parts.join(' ');
}
