import { useConnection, useHttpPort, useLive } from '../live-store';
import { sameSummary, statusGroups, summarize, type StatusGroup, type Summary } from '../route-health';

const groupLabels: Record<StatusGroup, string> = {
  healthy: 'healthy',
  down: 'down',
  ejected: 'ejected',
  draining: 'draining',
  off: 'off',
  checking: 'checking',
  unchecked: 'unchecked',
};

/** Colour of each group's count: trouble stands out, the user's own choices do not. */
const groupTone: Record<StatusGroup, string> = {
  healthy: 'ok',
  down: 'danger',
  ejected: 'warn',
  draining: 'info',
  off: 'neutral',
  checking: 'neutral',
  unchecked: 'neutral',
};

const sameOrBothMissing = (a: Summary | undefined, b: Summary | undefined) => (a && b ? sameSummary(a, b) : a === b);

/** What the dot's colour means, on hover: it sits beside "Proxy listening", which it does not describe. */
const dotTitles = {
  ok: 'Every route has a backend taking traffic, and no backend is down.',
  warn: 'A route is degraded, or a backend was ejected for its errors.',
  danger: 'A route or a backend is down.',
  stale: 'Not connected to Switchyard: the figures may be out of date.',
} as const;

/** Worst first: the header dot is green only when every route has a backend taking traffic and none failed. */
function tone(summary: Summary): 'ok' | 'warn' | 'danger' {
  if (summary.down > 0 || summary.backends.down > 0) return 'danger';
  if (summary.degraded > 0 || summary.backends.ejected > 0) return 'warn';
  return 'ok';
}

/** What is listening and, at a glance, whether anything is wrong. */
export function SummaryBar() {
  const connection = useConnection();
  const port = useHttpPort();
  const summary = useLive((s) => (s.routes ? summarize(s.routes, s.backends, s.routeLive) : undefined), sameOrBothMissing);
  const offline = connection === 'offline';
  const dot = offline || !summary || port === undefined ? 'stale' : tone(summary);
  const errors = summary?.errorsLastMinute;
  return (
    <header className="topbar">
      <div className="status" aria-label="Proxy status">
        <span className={`dot ${dot}`} aria-hidden="true" title={dotTitles[dot]} />
        <span>
          {offline ? 'Disconnected from Switchyard — reconnecting…' : port !== undefined ? `Proxy listening on port ${port}` : 'Connecting…'}
        </span>
      </div>
      {summary && (
        <ul className="summary live" aria-label="Summary">
          <li>
            <span className="summary-label">Routes</span>
            <strong>{summary.routes}</strong>
            {summary.down > 0 && <span className="chip danger">{summary.down} down</span>}
            {summary.degraded > 0 && <span className="chip warn">{summary.degraded} degraded</span>}
          </li>
          <li>
            <span className="summary-label">Backends</span>
            {statusGroups.every((g) => summary.backends[g] === 0) && <span className="muted">none</span>}
            {statusGroups
              .filter((g) => summary.backends[g] > 0)
              .map((g) => (
                <span key={g} className={`chip ${groupTone[g]}`}>
                  {summary.backends[g]} {groupLabels[g]}
                </span>
              ))}
          </li>
          {errors !== undefined && (
            <li className={errors > 0 ? 'danger-text' : undefined}>
              <strong>{errors}</strong> error{errors === 1 ? '' : 's'} in the last minute
            </li>
          )}
        </ul>
      )}
    </header>
  );
}
