import type { TimelineEntry } from '../../../shared/events';

const labels: Record<TimelineEntry['kind'], string> = {
  up: 'up',
  down: 'down',
  ejected: 'ejected',
  returned: 'back',
  drained: 'drained',
  config: 'config',
};

/** The route's recent events, newest first: persisted, so they survive a restart. */
export function Timeline({ entries, label }: { entries: TimelineEntry[]; label: string }) {
  if (entries.length === 0) return <p className="muted small">Nothing has happened on {label} yet.</p>;
  return (
    <ol className="timeline" aria-label={`Timeline of ${label}`}>
      {entries.map((entry) => (
        <li key={entry.id} className={`event event-${entry.kind}`}>
          <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString()}</time>
          <span className={`state state-${entry.kind}`}>{labels[entry.kind]}</span>
          <span>{entry.message}</span>
        </li>
      ))}
    </ol>
  );
}
