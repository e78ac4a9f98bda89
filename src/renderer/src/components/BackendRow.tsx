import type { Backend } from '../../../shared/model';
import { useApi } from '../api-context';

export function BackendRow({ backend }: { backend: Backend }) {
  const { invoke } = useApi();
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
