import { createContext, useContext } from 'react';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import type { Envelope } from '../../shared/errors';
import type { BackendStats, RouteLive, TimelineEntry } from '../../shared/events';

/** Never rejects (App turns a failed call into an error answer), so callers may `void` it. */
export type Invoke = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<Envelope<CommandResult<N>>>;

export interface ApiContextValue {
  invoke: Invoke;
  httpPort: number | undefined;
  /** Live counters by backend id. */
  traffic: Record<string, BackendStats>;
  /** What the engine does with each route now, by route id. */
  routeLive: Record<string, RouteLive>;
  /** Recent timeline entries of all routes, newest first. */
  timeline: TimelineEntry[];
}

export const ApiContext = createContext<ApiContextValue | undefined>(undefined);

export function useApi() {
  const value = useContext(ApiContext);
  if (!value) throw new Error('useApi outside ApiContext');
  return value;
}
