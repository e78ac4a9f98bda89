import type { Route } from './model';

/** Every event the core pushes to the UI, declared once like the commands. */
export interface Events {
  'config.changed': { revision: number; routes: Route[] };
}

export type EventName = keyof Events;

export const eventNames: EventName[] = ['config.changed'];

export type SwitchyardEvent = {
  [N in EventName]: { name: N; payload: Events[N] };
}[EventName];
