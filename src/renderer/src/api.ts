import { createAdminClient } from '../../shared/admin-client';
import type { SwitchyardApi } from '../../shared/api';

declare global {
  interface Window {
    switchyard?: SwitchyardApi;
  }
}

const tokenKey = 'switchyard.token';

export interface ConnectionHandlers {
  /** The event stream is open: changes made while it was down were not pushed, so views refetch. */
  onConnect: () => void;
  /** The event stream closed (the server stopped, or the network): values shown are stale until onConnect. */
  onDisconnect: () => void;
}

/**
 * The one place the UI learns how to reach the core: Electron's preload
 * bridge when present, otherwise the headless admin API of the page's own
 * origin, authenticated by the token `switchyard serve` put in the URL's
 * fragment (kept for the tab's lifetime, then removed from the address bar).
 */
export function resolveApi(handlers: ConnectionHandlers): SwitchyardApi | undefined {
  if (window.switchyard) {
    // The bridge is in-process: connected for the window's lifetime.
    queueMicrotask(handlers.onConnect);
    return window.switchyard;
  }
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(tokenKey, fromHash);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const token = fromHash ?? sessionStorage.getItem(tokenKey);
  if (!token) return undefined;
  let current: WebSocket | undefined;
  return createAdminClient({
    baseUrl: window.location.origin,
    token,
    // The client reconnects with backoff by itself; a listener of our own
    // learns of the drop the moment the socket closes (a stopped server
    // closes it at once), without a second timer or a ping. A socket that
    // was replaced (unsubscribed, then subscribed again) is no news.
    createWebSocket: (url) => {
      const socket = new WebSocket(url);
      current = socket;
      socket.addEventListener('close', () => {
        if (socket === current) handlers.onDisconnect();
      });
      return socket;
    },
    onConnect: handlers.onConnect,
  });
}
