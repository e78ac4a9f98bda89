import { useState } from 'react';
import { algorithmDescriptions, algorithms, type Algorithm } from '../../../shared/algorithms';
import type { Route } from '../../../shared/model';
import { useApi } from '../api-context';
import { AddBackendForm } from './AddBackendForm';
import { BackendRow } from './BackendRow';
import { RouteSettingsForm } from './RouteSettingsForm';
import { Timeline } from './Timeline';
import { routeLabel } from '../../../shared/route-label';

/** Non-default settings at a glance. */
function settingBadges(route: Route): string[] {
  const s = route.settings;
  const badges: string[] = [];
  if (route.algorithm === 'consistent-hash') badges.push(`hash: ${s.hashKey.source}${s.hashKey.name ? ` ${s.hashKey.name}` : ''}`);
  if (s.sticky !== 'off') badges.push(`sticky: ${s.sticky}`);
  if (s.rateLimitRps > 0) badges.push(`limit ${s.rateLimitRps}/s${s.rateLimitPer === 'ip' ? ' per client' : ''}`);
  if (s.compression) badges.push('compressed');
  if (s.stripPrefix) badges.push('strips prefix');
  if (s.rewriteHost) badges.push('rewrites Host');
  badges.push(s.healthCheck === 'off' ? 'no health checks' : s.healthCheck === 'http' ? `checks ${s.healthMethod} ${s.healthPath}` : 'TCP checks');
  return badges;
}

export function RouteCard({ route }: { route: Route }) {
  const { invoke, httpPort, timeline } = useApi();
  const [showTimeline, setShowTimeline] = useState(false);
  const entries = timeline.filter((e) => e.routeId === route.id).slice(0, 30);
  const [confirming, setConfirming] = useState(false);
  const [editing, setEditing] = useState(false);
  const badges = settingBadges(route);
  const label = routeLabel(route);
  const browsable = !route.host.startsWith('*') && httpPort !== undefined;
  const href = `http://${route.host}:${httpPort}${route.path}`;
  // The engine says who gets traffic; until it has, every backend in service counts.
  const live = useApi().routeLive[route.id];
  const enabled = live?.receiving ?? route.backends.filter((b) => b.enabled && !b.draining).length;
  const panic = live?.panic ?? false;

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
          {badges.length > 0 && (
            <p className="badges">
              {badges.map((b) => (
                <span className="badge" key={b}>
                  {b}
                </span>
              ))}
            </p>
          )}
          <p className="muted small">
            {enabled} of {route.backends.length} backend{route.backends.length === 1 ? '' : 's'} receiving traffic
            {panic && ' (panic mode: too few healthy, so all switched-on backends get traffic)'}
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
          <button type="button" className="ghost" aria-expanded={showTimeline} onClick={() => setShowTimeline(!showTimeline)}>
            Timeline
          </button>
          <button type="button" className="ghost" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            Settings
          </button>
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
      <p className="muted small algorithm-hint">{algorithmDescriptions[route.algorithm]}</p>
      {editing && <RouteSettingsForm key={JSON.stringify(route.settings)} route={route} label={label} onDone={() => setEditing(false)} />}
      {route.backends.length > 0 ? (
        <div className="table-wrap">
        <table className="backends">
          <colgroup>
            <col className="on" />
            <col />
            <col className="checks" />
            <col className="weight" />
            <col className="recent" />
            <col className="actions" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">On</th>
              <th scope="col">Backend</th>
              <th scope="col">Checks</th>
              <th scope="col">Weight</th>
              <th scope="col" title="Share of the route's last 100 answered requests">Recent share</th>
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
        </div>
      ) : (
        <p className="muted">No backends: requests to this route get a 503 until you add one.</p>
      )}
      <AddBackendForm routeId={route.id} label={label} />
      {showTimeline && <Timeline entries={entries} label={label} />}
    </article>
  );
}
