import { useState } from 'react';
import { algorithmDescriptions, algorithms, type Algorithm } from '../../../shared/algorithms';
import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { originOf } from '../../../shared/origin';
import { useApi } from '../api-context';
import { count, counted } from '../format';
import { useHttpPort, useHttpsPort, useLive } from '../live-store';
import { receivingCount } from '../route-health';
import { isL4, kindWords } from '../route-kinds';
import { L4Traffic, ListenHint } from './L4Traffic';
import { RouteTraffic } from './RouteTraffic';
import './RouteKinds.css';

const msPerSecond = 1_000;
const msPerMinute = 60_000;

/** 600000 → "10 min", 45000 → "45 s". */
const duration = (ms: number) => (ms % msPerMinute === 0 ? `${ms / msPerMinute} min` : `${Math.round(ms / msPerSecond)} s`);

/** The algorithm's description in an L4 route's words: it balances connections (or sessions), not requests. */
function algorithmHint(route: Route): string {
  const text = algorithmDescriptions[route.algorithm];
  if (!isL4(route.kind)) return text;
  const unit = kindWords(route.kind).unit;
  // An L4 route has no header, cookie or path: it hashes the client's address (nginx stream's hash $remote_addr consistent).
  if (route.algorithm === 'consistent-hash') return "The client's address picks the backend on a hash ring; removing one of N backends moves only about 1/N of clients.";
  return text.replace(/\brequests\b/g, `${unit}s`).replace(/\brequest\b/g, unit);
}

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
  if (s.cache) badges.push(`${s.cacheStorage === 'disk' ? 'cached on disk' : 'cached'}${s.serveStaleWhenDown ? ', stale when down' : ''}`);
  if (isL4(route.kind)) {
    if (s.proxyProtocol !== 'off') badges.push(`PROXY protocol ${s.proxyProtocol}`);
    badges.push(`max ${count(s.maxConnections)} ${kindWords(route.kind).unit}s`, `idle timeout ${duration(s.idleTimeoutMs)}`);
  }
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
      {receiving} of {counted(total, 'backend')} receiving traffic
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
  // No ":80" or ":443" when Switchyard listens on the standard ports.
  const href = httpPort === undefined ? '' : `${originOf('http', route.host, httpPort)}${route.path}`;
  // Every route is served on the HTTPS listener too, with a certificate from the local CA.
  const httpsHref = httpsPort === undefined ? undefined : `${originOf('https', route.host, httpsPort)}${route.path}`;
  return (
    <header className="route-header">
      <div className="route-title">
        <h2>
          {isL4(route.kind) && <span className="kind-badge">{kindWords(route.kind).label}</span>}{' '}
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
          {isL4(route.kind) && (
            <>
              {' · '}
              <ListenHint route={route} />
            </>
          )}
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
        {isL4(route.kind) ? <L4Traffic route={route} /> : <RouteTraffic routeId={route.id} />}
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
      <p className="muted small algorithm-hint">{algorithmHint(route)}</p>
    </header>
  );
}
