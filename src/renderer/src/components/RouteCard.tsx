import { useState } from 'react';
import { algorithmDescriptions, algorithms, type Algorithm } from '../../../shared/algorithms';
import type { Route } from '../../../shared/model';
import { useApi } from '../api-context';
import { AddBackendForm } from './AddBackendForm';
import { BackendRow } from './BackendRow';

function routeLabel(route: Route) {
  return route.path === '/' ? route.host : `${route.host}${route.path}`;
}

export function RouteCard({ route }: { route: Route }) {
  const { invoke, httpPort } = useApi();
  const [confirming, setConfirming] = useState(false);
  const label = routeLabel(route);
  const browsable = !route.host.startsWith('*.') && httpPort !== undefined;
  const href = `http://${route.host}:${httpPort}${route.path}`;
  const enabled = route.backends.filter((b) => b.enabled).length;

  return (
    <article className="card route" aria-label={`Route ${label}`}>
      <header className="route-header">
        <div>
          <h3>
            {browsable ? (
              <a href={href} target="_blank" rel="noreferrer">
                {label}
              </a>
            ) : (
              label
            )}
          </h3>
          <p className="muted small">
            {enabled} of {route.backends.length} backend{route.backends.length === 1 ? '' : 's'} receiving traffic
            {httpPort !== undefined && browsable ? ` · ${href}` : ''}
          </p>
        </div>
        <div className="route-actions">
          <label className="inline">
            <span className="sr-only">Algorithm for {label}</span>
            <select
              value={route.algorithm}
              title={algorithmDescriptions[route.algorithm]}
              onChange={(e) => void invoke('routes.update', { id: route.id, algorithm: e.target.value as Algorithm })}
            >
              {algorithms.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          {confirming ? (
            <>
              <button type="button" className="danger" onClick={() => void invoke('routes.delete', { id: route.id })}>
                Delete {label}
              </button>
              <button type="button" className="ghost" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className="ghost" onClick={() => setConfirming(true)} aria-label={`Delete route ${label}`}>
              Delete
            </button>
          )}
        </div>
      </header>
      {route.backends.length > 0 ? (
        <table className="backends">
          <colgroup>
            <col className="on" />
            <col />
            <col className="weight" />
            <col className="actions" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">On</th>
              <th scope="col">Backend</th>
              <th scope="col">Weight</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {route.backends.map((backend) => (
              <BackendRow key={backend.id} backend={backend} />
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No backends: requests to this route get a 503 until you add one.</p>
      )}
      <AddBackendForm routeId={route.id} label={label} />
    </article>
  );
}
