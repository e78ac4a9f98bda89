import type { CommandInput, CommandName, CommandResult } from './commands';
import type { Envelope } from './errors';
import type { SwitchyardEvent } from './events';

/**
 * What the renderer (and the CLI) talk to. Electron provides it through the
 * preload bridge, a browser through the admin HTTP/WebSocket client.
 */
export interface SwitchyardApi {
  invoke<N extends CommandName>(name: N, input: CommandInput<N>): Promise<Envelope<CommandResult<N>>>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: SwitchyardEvent) => void): () => void;
}

// Names derived once so the IPC and HTTP transports cannot drift apart.
export const ipcChannel = {
  command: (name: CommandName) => `switchyard:command:${name}`,
  events: 'switchyard:events',
} as const;

export const adminPath = {
  command: (name: CommandName) => `/api/v1/commands/${name}`,
  commandPrefix: '/api/v1/commands/',
  events: '/api/v1/events',
} as const;
