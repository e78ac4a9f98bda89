import type { TrafficSnapshot } from '../../shared/events';
import type { Route } from '../../shared/model';
import { routeLabel } from '../../shared/route-label';
import { backendStatus, routeState, type RouteState } from '../../renderer/src/route-health';

// The tray's icon and menu as plain data, from the routes and their live
// health: no `electron` here, so it is unit-tested under Node; tray.ts turns
// the items into Electron's menu and runs their actions.

/** The tray icon: the worst state across routes. */
export type TrayState = 'up' | 'degraded' | 'down';

/** Routes listed in the menu; more go behind "Open Switchyard" (a menu taller than the screen scrolls badly). */
export const maxTrayRoutes = 20;

/** The same judgement the window's route list shows (route-health.ts): no backend taking traffic is down. */
const trayStateOf: Record<RouteState, TrayState> = {
  healthy: 'up',
  checking: 'up',
  unchecked: 'up',
  degraded: 'degraded',
  down: 'down',
  // Requests to a route without backends get 503s, as to a down one.
  empty: 'down',
};
const severity: Record<TrayState, number> = { up: 0, degraded: 1, down: 2 };

const stateOf = (route: Route, live: TrafficSnapshot | undefined): TrayState =>
  trayStateOf[routeState(route, live?.backends ?? {}, live?.routes[route.id])];

export function worstState(routes: readonly Route[], live: TrafficSnapshot | undefined): TrayState {
  let worst: TrayState = 'up';
  for (const route of routes) {
    const state = stateOf(route, live);
    if (severity[state] > severity[worst]) worst = state;
  }
  return worst;
}

export type TrayAction =
  | { kind: 'open' }
  | { kind: 'quit' }
  | { kind: 'startAtLogin'; enabled: boolean }
  | { kind: 'setBackendEnabled'; backendId: number; enabled: boolean }
  /** Every backend of the route on or off at once. */
  | { kind: 'setRouteEnabled'; routeId: number; enabled: boolean };

export interface TrayItem {
  label?: string;
  type?: 'normal' | 'checkbox' | 'separator' | 'submenu';
  checked?: boolean;
  enabled?: boolean;
  action?: TrayAction;
  submenu?: TrayItem[];
}

export interface TrayMenuInput {
  routes: readonly Route[];
  live: TrafficSnapshot | undefined;
  startAtLogin: boolean;
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The line under the icon's tooltip and at the top of the menu. */
export function trayHeadline(routes: readonly Route[], live: TrafficSnapshot | undefined): string {
  if (routes.length === 0) return 'Switchyard: no routes yet';
  const states = routes.map((route) => stateOf(route, live));
  const down = states.filter((state) => state === 'down').length;
  const degraded = states.filter((state) => state === 'degraded').length;
  if (down === 0 && degraded === 0) return `Switchyard: ${count(routes.length, 'route')}, all up`;
  return `Switchyard: ${[down ? `${count(down, 'route')} down` : '', degraded ? `${degraded} degraded` : ''].filter(Boolean).join(', ')}`;
}

function routeItem(route: Route, live: TrafficSnapshot | undefined): TrayItem {
  const backends: TrayItem[] = route.backends.map((backend) => ({
    label: `${backend.url} (${backendStatus(backend, live?.backends[backend.id])})`,
    type: 'checkbox',
    checked: backend.enabled,
    action: { kind: 'setBackendEnabled', backendId: backend.id, enabled: !backend.enabled },
  }));
  const anyOff = route.backends.some((backend) => !backend.enabled);
  const anyOn = route.backends.some((backend) => backend.enabled);
  return {
    label: `${routeLabel(route)}: ${stateOf(route, live)}`,
    type: 'submenu',
    submenu: [
      ...(backends.length ? backends : [{ label: 'No backends', enabled: false }]),
      { type: 'separator' },
      { label: 'Switch every backend on', enabled: anyOff, action: { kind: 'setRouteEnabled', routeId: route.id, enabled: true } },
      { label: 'Switch every backend off', enabled: anyOn, action: { kind: 'setRouteEnabled', routeId: route.id, enabled: false } },
    ],
  };
}

export function trayMenu({ routes, live, startAtLogin }: TrayMenuInput): TrayItem[] {
  const shown = routes.slice(0, maxTrayRoutes);
  const hidden = routes.length - shown.length;
  return [
    { label: trayHeadline(routes, live), enabled: false },
    { type: 'separator' },
    ...shown.map((route) => routeItem(route, live)),
    ...(hidden > 0 ? [{ label: `${count(hidden, 'more route')}…`, action: { kind: 'open' } } satisfies TrayItem] : []),
    ...(routes.length ? [{ type: 'separator' } satisfies TrayItem] : []),
    { label: 'Open Switchyard', action: { kind: 'open' } },
    { label: 'Start at login', type: 'checkbox', checked: startAtLogin, action: { kind: 'startAtLogin', enabled: !startAtLogin } },
    { type: 'separator' },
    { label: 'Quit Switchyard', action: { kind: 'quit' } },
  ];
}
