import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcChannel } from '../../shared/api';
import { commandNames } from '../../shared/commands';
import type { Core } from '../core/core';
import { isAppUrl } from './security-policy';

/**
 * One ipcMain handler per command in the table. Each checks that the caller
 * is our window showing our page before the core validates the input.
 */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, core: Core, trusted: () => WebContents | undefined, appUrl: string): () => void {
  const isTrusted = (event: IpcMainInvokeEvent) =>
    event.sender === trusted() && event.senderFrame !== null && isAppUrl(event.senderFrame.url, appUrl);

  for (const name of commandNames) {
    ipcMain.handle(ipcChannel.command(name), (event, input: unknown) => {
      if (!isTrusted(event)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This window may not control Switchyard.' } };
      }
      return core.execute(name, input);
    });
  }
  const forward = (event: unknown) => {
    const contents = trusted();
    if (contents && !contents.isDestroyed()) contents.send(ipcChannel.events, event);
  };
  core.events.on('event', forward);
  return () => {
    core.events.off('event', forward);
    for (const name of commandNames) ipcMain.removeHandler(ipcChannel.command(name));
  };
}
