import { memo } from 'react';
import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { useLive } from '../live-store';
import { receivingCount, routeState, routeStateLabels } from '../route-health';
import { isL4, kindWords } from '../route-kinds';
import { counted } from '../format';

/** Open connections of an L4 route (its backends' in-flight counts); undefined for HTTP routes, whose list line has no room for them. */
function useOpen(route: Route): number | undefined {
  return useLive((s) => (isL4(route.kind) ? route.backends.reduce((sum, b) => sum + (s.backends[b.id]?.active ?? 0), 0) : undefined));
}

interface Props {
  route: Route;
  selected: boolean;
  onSelect: (id: number) => void;
}

/**
 * One route in the list: its worst state as a coloured marker and how many
 * backends take its traffic. Memoised, and subscribed to its own numbers
 * only, so a push re-renders the items whose state changed.
 */
export const RouteListItem = memo(function RouteListItem({ route, selected, onSelect }: Props) {
  const state = useLive((s) => routeState(route, s.backends, s.routeLive[route.id]));
  const receiving = useLive((s) => receivingCount(route, s.routeLive[route.id]));
  const errors = useLive((s) => s.routeLive[route.id]?.errorsLastMinute ?? 0);
  const open = useOpen(route);
  const words = kindWords(route.kind);
  const label = routeLabel(route);
  const total = route.backends.length;
  const receivingText = total === 0 ? 'No backends' : `${receiving} of ${total} receiving traffic`;
  const traffic = open === undefined ? receivingText : `${receivingText} · ${open} open`;
  const trouble = state === 'down' || state === 'empty';
  return (
    <li>
      <button
        type="button"
        className={`route-item${selected ? ' selected' : ''}`}
        aria-current={selected ? 'true' : undefined}
        aria-label={`${label}: ${routeStateLabels[state]}, ${traffic}${errors > 0 ? `, ${counted(errors, 'error')} in the last minute` : ''}`}
        data-route-id={route.id}
        onClick={() => onSelect(route.id)}
      >
        <span className={`marker live marker-${state}`} title={routeStateLabels[state]} aria-hidden="true" />
        <span className="route-item-text">
          <span className="route-item-label">
            {isL4(route.kind) && <span className="kind-badge">{words.label}</span>}
            {label}
          </span>
          <span className={`route-item-meta live${trouble ? ' danger-text' : ''}`}>
            {traffic}
            {errors > 0 && <span className="danger-text"> · {counted(errors, 'error')}/min</span>}
          </span>
        </span>
      </button>
    </li>
  );
});
