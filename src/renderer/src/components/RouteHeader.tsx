import { useState } from 'react';
import { algorithmDescriptions, algorithms, type Algorithm } from '../../../shared/algorithms';
import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { useApi } from '../api-context';
import { useHttpPort, useHttpsPort, useLive } from '../live-store';
import { receivingCount } from '../route-health';
import { RouteTraffic } from './RouteTraffic';

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

/** Who gets traffic, from the engine: a small component so a push re-renders only this line. */
function Receiving({ route }: { route: Route }) {
  const receiving = useLive((s) => receivingCount(route, s.routeLive[route.id]));
  const panic = useLive((s) => s.routeLive[route.id]?.panic ?? false);
  const total = route.backends.length;
  return (
    <span className={`live${receiving === 0 && total > 0 ? ' danger-text' : ''}`}>
      {receiving} of {total} backend{total === 1 ? '' : 's'} receiving traffic
      {panic && ' (panic mode: too few healthy, so all switched-on backends get traffic)'}
    </span>
  );
}

export function RouteHeader({ route }: { route: Route }) {
  const { invoke } = useApi();
  const httpPort = useHttpPort();
  const httpsPort = useHttpsPort();
  const [confirming, setConfirming] = useState(false);
  const label = routeLabel(route);
  // A TCP route's host is its tcp:// listen URL: nothing a browser opens.
  const browsable = route.kind === 'http' && !route.host.startsWith('*') && httpPort !== undefined;
  const href = `http://${route.host}:${httpPort}${route.path}`;
  // Every route is served on the HTTPS listener too, with a certificate from the local CA.
  const httpsHref = httpsPort === undefined ? undefined : `https://${route.host}:${httpsPort}${route.path}`;
  return (
    <header className="route-header">
      <div className="route-title">
        <h2>
          {browsable ? (
            <a href={href} target="_blank" rel="noreferrer" title={`Open ${href}`}>
              {label}
            </a>
          ) : (
            label
          )}
        </h2>
        <p className="muted small">
          <Receiving route={route} />
          {browsable ? ` · ${href}` : ''}
          {browsable && httpsHref !== undefined && (
            <>
              {' · '}
              <a href={httpsHref} target="_blank" rel="noreferrer" title={`Open ${httpsHref} (trust the local CA first: see Certificates)`}>
                {httpsHref}
              </a>
            </>
          )}
        </p>
        <p className="badges">
          {settingBadges(route).map((b) => (
            <span className="badge" key={b}>
              {b}
            </span>
          ))}
        </p>
        <RouteTraffic routeId={route.id} />
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
          <span className="confirm" onKeyDown={(e) => e.key === 'Escape' && setConfirming(false)}>
            <button type="button" className="danger" autoFocus onClick={() => void invoke('routes.delete', { id: route.id })}>
              Delete {label}
            </button>
            <button type="button" className="ghost" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="ghost" onClick={() => setConfirming(true)} aria-label={`Delete route ${label}`}>
            Delete
          </button>
        )}
      </div>
      <p className="muted small algorithm-hint">{algorithmDescriptions[route.algorithm]}</p>
    </header>
  );
}
