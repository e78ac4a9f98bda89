import type { Route } from '../../../shared/model';
import { listenAddressOf } from '../../../shared/route-kind';
import { compactBytes, counted } from '../format';
import { useLive, useRouteLive } from '../live-store';
import { kindWords } from '../route-kinds';

interface Totals {
  open: number;
  up: number;
  down: number;
}

const sameTotals = (a: Totals, b: Totals) => a.open === b.open && a.up === b.up && a.down === b.down;

/** A route's open connections and bytes each way: the sum over its backends (the engine counts them per backend). */
export function useL4Totals(route: Route): Totals {
  return useLive(
    (s) => {
      const totals = { open: 0, up: 0, down: 0 };
      for (const backend of route.backends) {
        const stats = s.backends[backend.id];
        if (!stats) continue;
        totals.open += stats.active;
        totals.up += stats.bytesIn;
        totals.down += stats.bytesOut;
      }
      return totals;
    },
    sameTotals,
  );
}

/** Where clients connect, and a command to try it with. */
export function ListenHint({ route }: { route: Route }) {
  const { address, port } = listenAddressOf(route.host);
  const shown = address.includes(':') ? `[${address}]` : address;
  const flag = route.kind === 'udp' ? '-u ' : '';
  return (
    <span className="listen-hint">
      listens on <code>{`${shown}:${port}`}</code> · try <code>{`nc ${flag}${address} ${port}`}</code>
    </span>
  );
}

/**
 * What an L4 route's clients did: connections (or sessions) in all and
 * open now, their rate, bytes each way and failed connects. An L4 route
 * has no statuses, so none of HTTP's classes.
 */
export function L4Traffic({ route }: { route: Route }) {
  const live = useRouteLive(route.id);
  const totals = useL4Totals(route);
  const unit = kindWords(route.kind).unit;
  return (
    <p className="route-traffic small live" aria-label="Route traffic">
      <span>
        {counted(totals.open, `open ${unit}`)}
      </span>
      <span>
        {counted(live?.requests ?? 0, unit)} in all, {live?.rps ?? 0}/s
      </span>
      <span title="Bytes from clients to backends, and back">
        ↑ {compactBytes(totals.up)} · ↓ {compactBytes(totals.down)}
      </span>
      <span className={(live?.errorsLastMinute ?? 0) > 0 ? 'danger-text' : undefined}>
        {counted(live?.errorsLastMinute ?? 0, 'failed connect')} in the last minute
      </span>
    </p>
  );
}
