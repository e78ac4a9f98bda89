import { useEffect, useMemo, useState } from 'react';
import { routeLabel } from '../../../shared/route-label';
import { useApi } from '../api-context';
import { count, counted } from '../format';
import { useLive } from '../live-store';
import { filtering, statusClasses } from '../traffic-filter';
import { useTraffic } from '../traffic-store';
import { TrafficList } from './TrafficList';
import { TrafficTrace } from './TrafficTrace';

/** Route, backend, status class, failed only and free text: each narrows the list at once. */
function Filters() {
  const { traffic } = useApi();
  const filters = useTraffic(traffic, (s) => s.filters);
  const routes = useLive((s) => s.routes);
  const backends = useMemo(
    () =>
      (routes ?? [])
        .filter((r) => filters.routeId === undefined || r.id === filters.routeId)
        .flatMap((r) => r.backends.map((b) => ({ id: b.id, label: `${b.url} (${routeLabel(r)})` }))),
    [routes, filters.routeId],
  );
  const number = (value: string) => (value === '' ? undefined : Number(value));
  return (
    <div className="traffic-filters" role="group" aria-label="Filters">
      <select aria-label="Route" value={filters.routeId ?? ''} onChange={(e) => traffic.setFilters({ routeId: number(e.target.value), backendId: undefined })}>
        <option value="">All routes</option>
        {routes?.map((r) => (
          <option key={r.id} value={r.id}>
            {routeLabel(r)}
          </option>
        ))}
      </select>
      <select aria-label="Backend" value={filters.backendId ?? ''} onChange={(e) => traffic.setFilters({ backendId: number(e.target.value) })}>
        <option value="">All backends</option>
        {backends.map((b) => (
          <option key={b.id} value={b.id}>
            {b.label}
          </option>
        ))}
      </select>
      <div className="segmented" role="group" aria-label="Status class">
        {statusClasses.map((c) => (
          <button
            key={c}
            type="button"
            className="chip-button"
            aria-pressed={filters.statusClass === c}
            onClick={() => traffic.setFilters({ statusClass: filters.statusClass === c ? undefined : c })}
          >
            {c}
          </button>
        ))}
      </div>
      <label className="check">
        <input type="checkbox" checked={filters.failedOnly} onChange={(e) => traffic.setFilters({ failedOnly: e.target.checked })} /> Failed only
      </label>
      <input
        type="search"
        className="traffic-search"
        aria-label="Filter by text"
        placeholder="Method, host, path, backend, or tcp"
        value={filters.text}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => traffic.setFilters({ text: e.target.value })}
      />
    </div>
  );
}

/** Counts, the sample notice, pause/resume and clear. */
function Controls({ onCleared }: { onCleared: () => void }) {
  const { traffic } = useApi();
  const paused = useTraffic(traffic, (s) => s.paused);
  const newWhilePaused = useTraffic(traffic, (s) => s.newWhilePaused);
  const sample = useTraffic(traffic, (s) => s.sample);
  const held = useTraffic(traffic, (s) => s.records.length);
  const shown = useTraffic(traffic, (s) => s.shown.length);
  const capacity = useTraffic(traffic, (s) => s.capacity);
  const filters = useTraffic(traffic, (s) => s.filters);
  return (
    <div className="traffic-controls">
      <span className="traffic-count small" role="status" aria-live="off">
        {filtering(filters) ? `${count(shown)} of ${counted(held, 'request')}` : counted(held, 'request')}
        {capacity !== undefined && capacity > 0 && <span className="muted"> (the last {count(capacity)} are kept)</span>}
      </span>
      {paused ? (
        <span className="chip warn" role="status">
          Paused — {count(newWhilePaused)} new
        </span>
      ) : (
        sample && (
          <span className="chip info" role="status" title="At high rates the live list gets a sample of the requests; pause to fetch every request the record still holds.">
            Showing a sample: {count(sample.shown)} of {count(sample.total)} requests in the last second
          </span>
        )
      )}
      <button type="button" className={paused ? 'primary' : undefined} onClick={() => (paused ? traffic.resume() : traffic.pause())} title={paused ? 'Show the requests that came while paused, and follow again' : 'Freeze the list; new requests are counted'}>
        {paused ? 'Resume' : 'Pause'}
      </button>
      <button type="button" className="ghost" onClick={() => void traffic.clear().then((cleared) => cleared && onCleared())} title="Forget every recorded request (charts and counters stay)">
        Clear
      </button>
    </div>
  );
}

/** The Traffic area: every proxied exchange, live, with filters, and the selected one's trace beside the list. */
export function TrafficView() {
  const { traffic } = useApi();
  const shown = useTraffic(traffic, (s) => s.shown);
  const capacity = useTraffic(traffic, (s) => s.capacity);
  const held = useTraffic(traffic, (s) => s.records.length);
  const [selectedId, setSelectedId] = useState<number | undefined>();

  useEffect(() => traffic.activate(), [traffic]);

  return (
    <main className={`traffic-area${selectedId === undefined ? '' : ' with-trace'}`} aria-labelledby="area-title" onKeyDown={(e) => e.key === 'Escape' && setSelectedId(undefined)}>
      <div className="traffic-main">
        <div className="traffic-toolbar">
          <h1 id="area-title">Traffic</h1>
          <Controls onCleared={() => setSelectedId(undefined)} />
        </div>
        <Filters />
        {capacity === 0 ? (
          <p className="traffic-empty muted">
            Recording is off: set <strong>Traffic records kept</strong> in Proxy settings above 0 to see requests here.
          </p>
        ) : held === 0 ? (
          <p className="traffic-empty muted">No requests yet. Requests through the proxy appear here as they happen.</p>
        ) : (
          <TrafficList records={shown} selectedId={selectedId} onSelect={setSelectedId} />
        )}
      </div>
      {selectedId !== undefined && <TrafficTrace id={selectedId} onClose={() => setSelectedId(undefined)} />}
    </main>
  );
}
