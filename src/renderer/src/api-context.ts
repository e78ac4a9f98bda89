import { createContext, useContext } from 'react';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import type { Envelope } from '../../shared/errors';
import type { LiveStore } from './live-store';
import type { TrafficStore } from './traffic-store';

/** Never rejects (App turns a failed call into an error answer), so callers may `void` it. */
export type Invoke = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<Envelope<CommandResult<N>>>;

/**
 * What every component may use, fixed for the app's lifetime so that the
 * context never re-renders its readers: live values are read from the store
 * with useLive and its hooks (live-store.ts), each component its own slice.
 */
export interface ApiContextValue {
  invoke: Invoke;
  store: LiveStore;
  traffic: TrafficStore;
}

export const ApiContext = createContext<ApiContextValue | undefined>(undefined);

export function useApi() {
  const value = useContext(ApiContext);
  if (!value) throw new Error('useApi outside ApiContext');
  return value;
}
