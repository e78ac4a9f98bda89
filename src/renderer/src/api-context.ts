import { createContext, useContext } from 'react';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import type { Envelope } from '../../shared/errors';

export type Invoke = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<Envelope<CommandResult<N>>>;

export const ApiContext = createContext<{ invoke: Invoke; httpPort: number | undefined } | undefined>(undefined);

export function useApi() {
  const value = useContext(ApiContext);
  if (!value) throw new Error('useApi outside ApiContext');
  return value;
}
