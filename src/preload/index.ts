import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ipcChannel, type SwitchyardApi } from '../shared/api';
import { commandNames } from '../shared/commands';
import type { SwitchyardEvent } from '../shared/events';

// Exposes exactly the contract: one invoke per command name in the table and
// an event subscription. No ipcRenderer, no Node, nothing else.
const api: SwitchyardApi = {
  invoke(name, input) {
    if (!commandNames.includes(name)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_COMMAND', message: `There is no command named "${name}".` } });
    }
    return ipcRenderer.invoke(ipcChannel.command(name), input);
  },
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, payload: SwitchyardEvent) => listener(payload);
    ipcRenderer.on(ipcChannel.events, handler);
    return () => ipcRenderer.removeListener(ipcChannel.events, handler);
  },
};

contextBridge.exposeInMainWorld('switchyard', api);
