import { useEffect, useState } from 'react';
import type { BackendStats } from '../../../shared/events';
import type { Backend } from '../../../shared/model';
import { useApi } from '../api-context';
import { compactBytes, compactCount, count, millis, percent } from '../format';
import { useBackendStats } from '../live-store';
import { Dialog } from './Dialog';
import { Sparkline } from './Sparkline';

function since(iso: string | undefined): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

/** Weight edited in place: saved on Enter or when the field loses focus; a bad value is refused with the core's message. */
function WeightInput({ backend }: { backend: Backend }) {
  const { invoke } = useApi();
  const [value, setValue] = useState(String(backend.weight));
  const [error, setError] = useState<string | undefined>();
  useEffect(() => setValue(String(backend.weight)), [backend.weight]);
  // Never rejects, as invoke does not: `void save()` below is safe.
  const save = async () => {
    if (value === String(backend.weight)) return setError(undefined);
    const answer = await invoke('backends.update', { id: backend.id, weight: Number(value) });
    setError(answer.ok ? undefined : answer.error.message);
  };
  return (
    <>
      <input
        className="weight-input"
        inputMode="numeric"
        aria-label={`${backend.url} weight`}
        aria-invalid={error ? true : undefined}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onBlur={() => void save()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void save();
          if (e.key === 'Escape') setValue(String(backend.weight));
        }}
      />
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

/**
 * The less-read counters, HAProxy stats style, on a line of their own under
 * the backend: answers by class, errors, retries, latency and bytes.
 */
const figure = (name: string, value: string, title: string, danger = false) => (
  <span className={`figure${danger ? ' danger-text' : ''}`} title={title}>
    <span className="figure-name">{name}</span> {value}
  </span>
);

/** An L4 route's backend: connections have no statuses, so what it has is connects (made and failed) and bytes each way. */
function ConnectionFigures({ stats }: { stats: BackendStats }) {
  return (
    <>
      {figure('open', compactCount(stats.active), 'Connections open to it now')}
      {figure('connections', compactCount(stats.served), 'Connections it accepted since it was configured')}
      {figure(
        'failed connects',
        `${compactCount(stats.failures)} · ${percent(stats.errorRate)}`,
        `${stats.failures} connects refused or timed out since it was configured; ${percent(stats.errorRate)} of connects over the last minute`,
        stats.failures > 0 || stats.errorRate > 0,
      )}
      {figure('retries', compactCount(stats.retries), 'Failed connects that went on to another backend')}
      {figure('connect p50', millis(stats.latency.p50), 'Median time to connect, over the last minute')}
      {figure('p95', millis(stats.latency.p95), '95th percentile time to connect, over the last minute')}
      {figure('↑', compactBytes(stats.bytesIn), 'Bytes from clients to it')}
      {figure('↓', compactBytes(stats.bytesOut), 'Bytes from it to clients')}
    </>
  );
}

function Figures({ stats, connections }: { stats: BackendStats | undefined; connections: boolean }) {
  if (!stats?.responses) return <span className="muted">No traffic counted yet.</span>;
  if (connections) return <ConnectionFigures stats={stats} />;
  const { responses } = stats;
  const errors = stats.failures + responses['5xx'];
  return (
    <>
      {figure('2xx', compactCount(responses['2xx']), `${count(responses['2xx'])} successful answers (and ${count(responses['3xx'])} redirects, 3xx)`)}
      {figure('4xx', compactCount(responses['4xx']), `${count(responses['4xx'])} client errors`)}
      {figure('5xx', compactCount(responses['5xx']), `${count(responses['5xx'])} server errors`, responses['5xx'] > 0)}
      {figure(
        'errors',
        `${compactCount(errors)} · ${percent(stats.errorRate)}`,
        `${stats.failures} failed attempts (connect errors, resets, timeouts) + ${responses['5xx']} 5xx answers since it was configured; ${percent(stats.errorRate)} of attempts over the last minute`,
        errors > 0 || stats.errorRate > 0,
      )}
      {figure('retries', compactCount(stats.retries), 'Attempts on it that failed and were retried on another backend')}
      {figure('p50', millis(stats.latency.p50), 'Median time to the response head, over the last minute')}
      {figure('p95', millis(stats.latency.p95), '95th percentile time to the response head, over the last minute')}
      {figure('in', compactBytes(stats.bytesIn), 'Request bodies sent to it')}
      {figure('out', compactBytes(stats.bytesOut), 'Response bodies received from it')}
    </>
  );
}

/** Remove behind a confirmation naming the backend, as Delete route asks; Escape or Keep cancels. */
function RemoveButton({ backend }: { backend: Backend }) {
  const { invoke } = useApi();
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button type="button" className="ghost" aria-label={`Remove backend ${backend.url}`} onClick={() => setAsking(true)}>
        Remove
      </button>
      <Dialog open={asking} onClose={() => setAsking(false)} title="Remove backend?">
        <div className="confirm-body">
          <p>
            Remove <code>{backend.url}</code> from this route? New requests stop going to it at once, and its counters are dropped. To take it out of
            rotation for a while instead, use Drain or its switch.
          </p>
          <div className="actions">
            <button type="button" className="ghost" autoFocus onClick={() => setAsking(false)}>
              Keep
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                setAsking(false);
                void invoke('backends.remove', { id: backend.id });
              }}
            >
              Remove {backend.url}
            </button>
          </div>
        </div>
      </Dialog>
    </>
  );
}

/** One backend as two table rows: its state and share, then its counters under it across the table. */
export function BackendRow({ backend, showWeight, columns, connections = false }: { backend: Backend; showWeight: boolean; columns: number; connections?: boolean }) {
  const { invoke } = useApi();
  const stats = useBackendStats(backend.id);
  const share = Math.round((stats?.share ?? 0) * 100);
  const status = stats?.status ?? (backend.enabled ? 'unknown' : 'disabled');
  // A drain keeps `enabled`; the switch shows whether it takes new requests, and switching it on ends the drain.
  const inRotation = backend.enabled && !backend.draining;
  const errorRate = stats?.errorRate ?? 0;
  return (
    <>
      <tr className={`backend status-${status}`}>
        <td rowSpan={2}>
          <label className="switch" title={backend.draining ? 'Draining: switch on to take new requests again' : undefined}>
            <input
              type="checkbox"
              role="switch"
              checked={inRotation}
              aria-label={`${backend.url} enabled`}
              onChange={(e) => void invoke('backends.setEnabled', { id: backend.id, enabled: e.target.checked })}
            />
            <span className="slider" aria-hidden="true" />
          </label>
        </td>
        <td>
          <div className="backend-line">
            <code>{backend.url}</code>
            <span className={`state state-${status}`} aria-label={`${backend.url} status`}>
              {status}
            </span>
            {errorRate > 0 && (
              <span className="state state-errors" title="Failed attempts and 5xx answers over the last minute">
                errors {percent(errorRate)}
              </span>
            )}
            {stats && <span className="small muted">for {since(stats.since)}</span>}
          </div>
          {stats?.reason && (
            <div className="reason" aria-label={`${backend.url} reason`}>
              {stats.reason}
            </div>
          )}
        </td>
        <td>
          <Sparkline results={stats?.checks ?? []} label={`${backend.url} recent checks`} />
        </td>
        {showWeight && (
          <td>
            <WeightInput backend={backend} />
          </td>
        )}
        <td>
          <div className="share" title={`${stats?.served ?? 0} answered in all, ${stats?.active ?? 0} in flight`}>
            <div className="share-bar" aria-hidden="true">
              <span style={{ width: `${share}%` }} />
            </div>
            <span className="share-label" aria-label={`${backend.url} share of recent requests`}>
              {share}%
            </span>
          </div>
          <span className="small muted nowrap">
            {stats?.rps ?? 0}
            {connections ? ' conn/s' : ' req/s'} · {compactCount(stats?.served ?? 0)} total
          </span>
          {(stats?.active ?? 0) > 0 && (
            <span className="small muted">
              {' '}
              · {stats!.active} {connections ? 'open' : 'in flight'}
            </span>
          )}
        </td>
        <td className="right nowrap">
          {backend.draining ? (
            <button type="button" className="ghost" aria-label={`Resume backend ${backend.url}`} title="Take new requests again (ends the drain)" onClick={() => void invoke('backends.setEnabled', { id: backend.id, enabled: true })}>
              Resume
            </button>
          ) : (
            backend.enabled && (
              <button type="button" className="ghost" aria-label={`Drain backend ${backend.url}`} title="No new requests; in-flight ones finish" onClick={() => void invoke('backends.drain', { id: backend.id })}>
                Drain
              </button>
            )
          )}
          <RemoveButton backend={backend} />
        </td>
      </tr>
      <tr className="backend-figures">
        <td colSpan={columns - 1} className="small">
          <Figures stats={stats} connections={connections} />
        </td>
      </tr>
    </>
  );
}
