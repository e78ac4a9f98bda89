import { memo } from 'react';
import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { useLive } from '../live-store';
import { receivingCount, routeState, routeStateLabels } from '../route-health';

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
  const label = routeLabel(route);
  const total = route.backends.length;
  const traffic = total === 0 ? 'No backends' : `${receiving} of ${total} receiving traffic`;
  const trouble = state === 'down' || state === 'empty';
  return (
    <li>
      <button
        type="button"
        className={`route-item${selected ? ' selected' : ''}`}
        aria-current={selected ? 'true' : undefined}
        aria-label={`${label}: ${routeStateLabels[state]}, ${traffic}${errors > 0 ? `, ${errors} errors in the last minute` : ''}`}
        data-route-id={route.id}
        onClick={() => onSelect(route.id)}
      >
        <span className={`marker live marker-${state}`} title={routeStateLabels[state]} aria-hidden="true" />
        <span className="route-item-text">
          <span className="route-item-label">{label}</span>
          <span className={`route-item-meta live${trouble ? ' danger-text' : ''}`}>
            {traffic}
            {errors > 0 && <span className="danger-text"> · {errors} errors/min</span>}
          </span>
        </span>
      </button>
    </li>
  );
});
