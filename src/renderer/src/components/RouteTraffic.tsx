import { count, counted } from '../format';
import { useRouteLive } from '../live-store';

/**
 * What the route's clients got (from backends and from Switchyard itself),
 * when the engine reports it. Re-renders on each push that moved its numbers.
 */
export function RouteTraffic({ routeId }: { routeId: number }) {
  const live = useRouteLive(routeId);
  if (!live?.responses || !live.local) return null;
  const { responses, local } = live;
  const answeredLocally = [
    local['429'] > 0 && `${count(local['429'])} rate limited (429)`,
    local['502'] > 0 && `${count(local['502'])} no backend answered (502)`,
    local['503'] > 0 && `${count(local['503'])} none available (503)`,
    local['508'] > 0 && `${count(local['508'])} loops (508)`,
  ].filter(Boolean);
  return (
    <p className="route-traffic small live" aria-label="Route traffic">
      <span>{live.rps} req/s</span>
      <span>{counted(live.requests, 'request')}</span>
      <span>
        2xx {count(responses['2xx'])} · 3xx {count(responses['3xx'])} · 4xx {count(responses['4xx'])} ·{' '}
        <span className={responses['5xx'] > 0 ? 'danger-text' : undefined}>5xx {count(responses['5xx'])}</span>
      </span>
      <span className={live.errorsLastMinute > 0 ? 'danger-text' : undefined}>
        {counted(live.errorsLastMinute, 'error')} in the last minute
      </span>
      {answeredLocally.length > 0 && <span className="warn-text">Answered by Switchyard: {answeredLocally.join(', ')}</span>}
    </p>
  );
}
