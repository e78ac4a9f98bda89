import { useEffect, useMemo, useState } from 'react';
import type { TimelineEntry, TimelineKind } from '../../../shared/events';
import { useApi } from '../api-context';
import { useLive } from '../live-store';
import { Timeline } from './Timeline';

/** Entries of one route the pane asks the core for (it keeps more than the app's recent list). */
const routeHistory = 200;

const kinds: { id: TimelineKind | 'all'; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'down', label: 'Down' },
  { id: 'up', label: 'Up' },
  { id: 'ejected', label: 'Ejected' },
  { id: 'returned', label: 'Back' },
  { id: 'drained', label: 'Drained' },
  { id: 'config', label: 'Config' },
];

/** The route's history, loaded when the tab opens and kept current by pushes, with a filter by kind. */
export function TimelinePanel({ routeId, label }: { routeId: number; label: string }) {
  const { invoke } = useApi();
  const [history, setHistory] = useState<TimelineEntry[]>([]);
  const [kind, setKind] = useState<TimelineKind | 'all'>('all');
  const recent = useLive((s) => s.timeline);
  const reconnects = useLive((s) => s.reconnects);

  useEffect(() => {
    let current = true;
    void invoke('timeline.list', { routeId, limit: routeHistory }).then((answer) => {
      if (current && answer.ok) setHistory(answer.result);
    });
    return () => {
      current = false;
    };
  }, [invoke, routeId, reconnects]);

  const entries = useMemo(() => {
    const seen = new Set<number>();
    return [...recent.filter((e) => e.routeId === routeId), ...history]
      .filter((e) => !seen.has(e.id) && seen.add(e.id))
      .sort((a, b) => b.id - a.id)
      .filter((e) => kind === 'all' || e.kind === kind);
  }, [recent, history, routeId, kind]);

  return (
    <div className="timeline-panel">
      <div className="filter" role="group" aria-label="Show events">
        {kinds.map((k) => (
          <button key={k.id} type="button" className="chip-button" aria-pressed={k.id === kind} onClick={() => setKind(k.id)}>
            {k.label}
          </button>
        ))}
      </div>
      {entries.length === 0 && kind !== 'all' ? (
        <p className="muted small">No {kinds.find((k) => k.id === kind)?.label.toLowerCase()} events on {label}.</p>
      ) : (
        <Timeline entries={entries} label={label} />
      )}
    </div>
  );
}
