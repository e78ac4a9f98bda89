import { useEffect, useState } from 'react';
import type { Backend } from '../../../shared/model';
import { useApi } from '../api-context';
import { useBackendStats } from '../live-store';
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

export function BackendRow({ backend }: { backend: Backend }) {
  const { invoke } = useApi();
  const stats = useBackendStats(backend.id);
  const share = Math.round((stats?.share ?? 0) * 100);
  const status = stats?.status ?? (backend.enabled ? 'unknown' : 'disabled');
  return (
    <tr className={`backend status-${status}`}>
      <td>
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            checked={backend.enabled}
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
          {stats && <span className="small muted">for {since(stats.since)}</span>}
        </div>
        {stats?.reason && (
          <div className="reason" aria-label={`${backend.url} reason`}>
            {stats.reason}
            {stats.lastCheck && <span className="muted"> · last check {new Date(stats.lastCheck.at).toLocaleTimeString()}</span>}
          </div>
        )}
      </td>
      <td>
        <Sparkline results={stats?.checks ?? []} label={`${backend.url} recent checks`} />
      </td>
      <td>
        <WeightInput backend={backend} />
      </td>
      <td>
        <div className="share" title={`${stats?.served ?? 0} answered in all, ${stats?.active ?? 0} in flight, ${stats?.failures ?? 0} failed`}>
          <div className="share-bar" aria-hidden="true">
            <span style={{ width: `${share}%` }} />
          </div>
          <span className="share-label" aria-label={`${backend.url} share of recent requests`}>
            {share}%
          </span>
        </div>
        <span className="small muted">{stats?.rps ?? 0} req/s </span>
        {(stats?.active ?? 0) > 0 && <span className="small muted">{stats!.active} in flight </span>}
        {(stats?.failures ?? 0) > 0 && <span className="small muted">{stats!.failures} failed</span>}
      </td>
      <td className="right nowrap">
        {backend.enabled && !backend.draining && (
          <button type="button" className="ghost" aria-label={`Drain backend ${backend.url}`} title="No new requests; in-flight ones finish" onClick={() => void invoke('backends.drain', { id: backend.id })}>
            Drain
          </button>
        )}
        <button type="button" className="ghost" aria-label={`Remove backend ${backend.url}`} onClick={() => void invoke('backends.remove', { id: backend.id })}>
          Remove
        </button>
      </td>
    </tr>
  );
}
