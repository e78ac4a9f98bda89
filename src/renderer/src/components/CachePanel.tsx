import { useEffect, useState } from 'react';
import type { CacheRouteStats } from '../../../shared/cache';
import type { Route } from '../../../shared/model';
import type { TrafficRecord } from '../../../shared/traffic';
import { useApi } from '../api-context';
import { cacheSentence } from '../cache-wording';
import { compactBytes, count, percent } from '../format';
import { useLive } from '../live-store';
import { ConfirmDialog } from './ConfirmDialog';
import { timeOf } from './TrafficList';
import './CachePanel.css';

/** Requests read from the record to find the route's latest cache decisions. */
const recordsRead = 200;
/** Decisions listed, newest first. */
const decisionsShown = 12;

type Purge = { what: 'url'; target: string } | { what: 'prefix'; target: string } | { what: 'all' };

function purgeQuestion(purge: Purge, label: string): string {
  if (purge.what === 'all') return `Drop everything ${label} has stored? The next request for each URL goes to a backend.`;
  if (purge.what === 'url') return `Drop the stored response for ${purge.target}? Its next request goes to a backend.`;
  return `Drop every stored response under ${purge.target}? Their next requests go to a backend.`;
}

/** The cache is off: what it would do, and a button that switches it on (the CLI's way beside it). */
function CacheOff({ route, label }: { route: Route; label: string }) {
  const { invoke } = useApi();
  return (
    <div className="cache-off">
      <p>
        The cache is off for this route: every request goes to a backend. Switched on, Switchyard keeps the responses your backends allow a shared
        cache to keep (Cache-Control, Expires, Vary, as a CDN would), answers repeats from memory, and says in every response why it did or did not
        (Cache-Status).
      </p>
      <p>
        <button type="button" className="primary" onClick={() => void invoke('routes.update', { id: route.id, settings: { cache: true } })}>
          Turn the cache on
        </button>{' '}
        <span className="muted small">
          or <code>switchyard route set {label} --set cache=on</code>
        </span>
      </p>
    </div>
  );
}

/**
 * A route's HTTP cache: how well it answers (hit ratio, entries, memory),
 * its latest decisions in words (from the traffic record's Cache-Status),
 * and purging one URL, a prefix or everything after a confirmation.
 * Refetched when the route's live request count moves, as the charts are.
 */
export function CachePanel({ route, label }: { route: Route; label: string }) {
  const { invoke } = useApi();
  const tick = useLive((s) => s.routeLive[route.id]?.requests);
  const reconnects = useLive((s) => s.reconnects);
  const [stats, setStats] = useState<CacheRouteStats | undefined>();
  const [decisions, setDecisions] = useState<TrafficRecord[]>([]);
  const [target, setTarget] = useState('');
  const [asking, setAsking] = useState<Purge | undefined>();
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const [purges, setPurges] = useState(0);
  const on = route.settings.cache;

  useEffect(() => {
    if (!on) return;
    let current = true;
    // invoke never rejects: a failed answer leaves what is shown.
    void invoke('cache.stats', {}).then((answer) => {
      if (current && answer.ok) setStats(answer.result.find((s) => s.routeId === route.id));
    });
    void invoke('traffic.list', { routeId: route.id, limit: recordsRead }).then((answer) => {
      if (!current || !answer.ok) return;
      setDecisions(answer.result.records.filter((r) => r.cacheStatus !== null).slice(-decisionsShown).reverse());
    });
    return () => {
      current = false;
    };
  }, [invoke, route.id, on, tick, reconnects, purges]);

  if (!on) return <CacheOff route={route} label={label} />;

  const purge = async (what: Purge) => {
    setAsking(undefined);
    const input = what.what === 'all' ? { routeId: route.id } : what.what === 'url' ? { routeId: route.id, url: what.target } : { routeId: route.id, prefix: what.target };
    const answer = await invoke('cache.purge', input);
    if (answer.ok) {
      const { entries, bytes } = answer.result;
      setMessage({ text: `Purged ${entries} ${entries === 1 ? 'entry' : 'entries'} (${compactBytes(bytes)}).`, error: false });
      setPurges((n) => n + 1);
    } else setMessage({ text: answer.error.message, error: true });
  };

  const asked = (what: 'url' | 'prefix') => {
    if (target.trim() === '') return setMessage({ text: 'Type a URL like http://api.localhost/users, or a path like /users, first.', error: true });
    setAsking({ what, target: target.trim() });
  };

  const hits = stats?.hits ?? 0;
  const misses = stats?.misses ?? 0;
  return (
    <div className="cache-panel">
      {stats?.diskProblem !== undefined && (
        <p className="cache-disk-problem" role="alert">
          {stats.diskProblem}
        </p>
      )}
      <dl className="cache-figures" aria-label="Cache figures">
        <div>
          <dt>Hit ratio</dt>
          <dd className="cache-ratio">{stats?.hitRatio == null ? '—' : percent(stats.hitRatio)}</dd>
        </div>
        <div>
          <dt>Hits · misses</dt>
          <dd>
            {count(hits)} · {count(misses)}
          </dd>
        </div>
        <div>
          <dt>Entries</dt>
          <dd aria-label="Cache entries">{count(stats?.entries ?? 0)}</dd>
        </div>
        <div>
          <dt>{stats?.storage === 'disk' ? 'On disk' : 'Memory'}</dt>
          <dd>{compactBytes(stats?.bytes ?? 0)}</dd>
        </div>
      </dl>

      <section className="cache-purge" aria-label="Purge">
        <h3>Purge</h3>
        <div className="row">
          <input
            className="grow"
            aria-label="URL or path to purge"
            placeholder="http://api.localhost/users?page=2 or /users"
            value={target}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setTarget(e.target.value)}
          />
          <button type="button" onClick={() => asked('url')}>
            Purge URL
          </button>
          <button type="button" onClick={() => asked('prefix')} title="Every stored URL that starts with it">
            Purge prefix
          </button>
          <button type="button" className="danger-ghost" onClick={() => setAsking({ what: 'all' })}>
            Purge everything
          </button>
        </div>
        {message && (
          <p className={`small ${message.error ? 'field-error' : 'muted'}`} role="status">
            {message.text}
          </p>
        )}
      </section>

      <section className="cache-decisions" aria-label="Recent cache decisions">
        <h3>Recent decisions</h3>
        {decisions.length === 0 ? (
          <p className="muted small">No request through this route yet since the record was cleared; each one's decision shows here, newest first.</p>
        ) : (
          <ol className="decision-list">
            {decisions.map((record) => (
              <li key={record.id}>
                <span className="muted">{timeOf(record.at)}</span>
                <span className={`cache-outcome outcome-${record.cache ?? 'none'}`}>{record.cache ?? '—'}</span>
                <code title={`${record.method} ${record.host}${record.path}`}>
                  {record.method} {record.path}
                </code>
                <span className="decision-why">{cacheSentence(record.cacheStatus!)}</span>
              </li>
            ))}
          </ol>
        )}
      </section>

      <ConfirmDialog
        open={asking !== undefined}
        title="Purge the cache?"
        confirm={asking?.what === 'all' ? 'Purge everything' : 'Purge'}
        onConfirm={() => asking && void purge(asking)}
        onCancel={() => setAsking(undefined)}
      >
        <p>{asking && purgeQuestion(asking, label)}</p>
      </ConfirmDialog>
    </div>
  );
}
