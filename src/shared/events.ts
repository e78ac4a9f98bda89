import type { Route } from './model';

export interface BackendStats {
  /** Requests this backend answered since it was configured (or the app started). */
  served: number;
  /** Its fraction (0..1) of the route's last 100 answered requests. */
  share: number;
  /** Requests in flight to it now. */
  active: number;
  /** Connect errors, resets and timeouts seen on real traffic. */
  failures: number;
}

export interface TrafficSnapshot {
  at: string;
  /** By backend id. */
  backends: Record<string, BackendStats>;
}

/** Every event the core pushes to the UI, declared once like the commands. */
export interface Events {
  'config.changed': { revision: number; routes: Route[] };
  /** At most once a second, only when traffic moved a counter. */
  'traffic.changed': TrafficSnapshot;
}

export type EventName = keyof Events;

export const eventNames: EventName[] = ['config.changed', 'traffic.changed'];

export type SwitchyardEvent = {
  [N in EventName]: { name: N; payload: Events[N] };
}[EventName];
