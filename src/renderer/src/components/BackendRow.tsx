import type { Backend } from '../../../shared/model';
import { useApi } from '../api-context';

export function BackendRow({ backend }: { backend: Backend }) {
  const { invoke, traffic } = useApi();
  const stats = traffic[backend.id];
  const share = Math.round((stats?.share ?? 0) * 100);
  return (
    <tr className={backend.enabled ? '' : 'off'}>
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
        <code>{backend.url}</code>
        {!backend.enabled && <span className="badge">off</span>}
      </td>
      <td>{backend.weight}</td>
      <td>
        <div className="share" title={`${stats?.served ?? 0} answered in all, ${stats?.active ?? 0} in flight, ${stats?.failures ?? 0} failed`}>
          <div className="share-bar" aria-hidden="true">
            <span style={{ width: `${share}%` }} />
          </div>
          <span className="share-label" aria-label={`${backend.url} share of recent requests`}>
            {share}%
          </span>
        </div>
        {(stats?.failures ?? 0) > 0 && <span className="small muted">{stats!.failures} failed</span>}
      </td>
      <td className="right">
        <button
          type="button"
          className="ghost"
          aria-label={`Remove backend ${backend.url}`}
          onClick={() => void invoke('backends.remove', { id: backend.id })}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}
