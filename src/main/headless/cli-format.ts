import type { Status } from '../../shared/commands';
import type { BackendStats, BackendStatus } from '../../shared/events';
import type { Route } from '../../shared/model';
import { routeLabel } from '../../shared/route-label';

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
  const hint = httpPort ? `\n\nOpen http://<host>:${httpPort}/ in a browser, or curl it.` : '';
  return table(rows) + hint;
}

export function formatStatus(status: Status, uiUrl: string): string {
  const listeners = status.listeners.map((l) => `${l.kind} ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`);
  return [
    `Switchyard ${status.version}, running since ${status.startedAt}`,
    `  Proxy:    ${listeners.join(', ') || '(not listening)'}`,
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

/** Every route's backends with their status, why, and their share of recent traffic. */
export function formatHealth(routes: Route[], live: Record<string, BackendStats>): string {
  if (routes.length === 0) return 'No routes yet.';
  const lines: string[] = [];
  for (const route of routes) {
    lines.push(`${routeLabel(route)}  (${route.algorithm}, checks: ${route.settings.healthCheck})`);
    const rows = route.backends.map((backend) => {
      const stats = live[backend.id];
      const status = stats?.status ?? 'unknown';
      return [`  ${marks[status]} ${status}`, backend.url, `${Math.round((stats?.share ?? 0) * 100)}%`, `${stats?.rps ?? 0} req/s`, stats?.reason ?? ''];
    });
    if (rows.length) lines.push(table(rows));
    else lines.push('  (no backends)');
  }
  return lines.join('\n');
}
