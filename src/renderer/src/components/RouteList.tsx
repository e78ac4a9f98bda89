import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { useLive } from '../live-store';
import { RouteListItem } from './RouteListItem';
import { StopDemoButton } from './DemoControls';
import { demoHost } from '../../../shared/demo';

/** A route matches when its host, path or a backend URL contains every word of the query. */
function matches(route: Route, words: string[]): boolean {
  const text = [routeLabel(route), ...route.backends.map((b) => b.url)].join(' ').toLowerCase();
  return words.every((word) => text.includes(word));
}

interface Props {
  selectedId: number | undefined;
  onSelect: (id: number) => void;
  onNew: () => void;
  searchRef: RefObject<HTMLInputElement | null>;
  /** A route to scroll to and focus (a new one): the search is cleared if it hides it. */
  reveal: number | undefined;
  onRevealed: () => void;
}

export function RouteList({ selectedId, onSelect, onNew, searchRef, reveal, onRevealed }: Props) {
  const routes = useLive((s) => s.routes);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return (routes ?? []).filter((route) => matches(route, words));
  }, [routes, query]);
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (reveal === undefined) return;
    if (!shown.some((r) => r.id === reveal)) {
      if (query !== '') setQuery('');
      return;
    }
    // Focus scrolls it into view too; the dialog that created it has closed by now.
    listRef.current?.querySelector<HTMLElement>(`[data-route-id="${reveal}"]`)?.focus();
    onRevealed();
  }, [reveal, shown, query, onRevealed]);

  // Up and down move the selection through the shown routes, as in a mail client's list.
  const onListKey = (event: KeyboardEvent<HTMLUListElement>) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const index = shown.findIndex((r) => r.id === selectedId);
    const next = shown[Math.min(shown.length - 1, Math.max(0, index + (event.key === 'ArrowDown' ? 1 : -1)))];
    if (!next) return;
    onSelect(next.id);
    event.currentTarget.querySelector<HTMLElement>(`[data-route-id="${next.id}"]`)?.focus();
  };

  return (
    <section className="route-list" aria-label="Route list">
      <div className="list-head">
        <div className="list-title">
          <h1 id="area-title">Routes</h1>
          <button type="button" className="primary" onClick={onNew} title="New route (N)" aria-keyshortcuts="n">
            New route
          </button>
        </div>
        <input
          ref={searchRef}
          type="search"
          className="search"
          placeholder="Search routes"
          aria-label="Search routes"
          aria-keyshortcuts="/"
          title="Search routes (/)"
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              setQuery('');
              e.currentTarget.blur();
            }
          }}
        />
      </div>
      {routes === undefined ? (
        <p className="muted list-note">Loading routes…</p>
      ) : routes.length === 0 ? (
        <p className="muted list-note">
          No routes yet. Press <kbd>N</kbd> or <strong>New route</strong>: a host such as <code>demo.localhost</code> and the address of your dev server.
        </p>
      ) : shown.length === 0 ? (
        <p className="muted list-note">No route matches “{query}”.</p>
      ) : (
        <ul ref={listRef} className="route-items" aria-label="Routes" onKeyDown={onListKey}>
          {shown.map((route) => (
            <RouteListItem key={route.id} route={route} selected={route.id === selectedId} onSelect={onSelect} />
          ))}
        </ul>
      )}
      {routes?.some((route) => route.host === demoHost) && <StopDemoButton />}
    </section>
  );
}
