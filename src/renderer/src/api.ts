import { createAdminClient } from '../../shared/admin-client';
import type { SwitchyardApi } from '../../shared/api';

declare global {
  interface Window {
    switchyard?: SwitchyardApi;
  }
}

const tokenKey = 'switchyard.token';

/**
 * The one place the UI learns how to reach the core: Electron's preload
 * bridge when present, otherwise the headless admin API of the page's own
 * origin, authenticated by the token `switchyard serve` put in the URL's
 * fragment (kept for the tab's lifetime, then removed from the address bar).
 */
export function resolveApi(onConnect: () => void): SwitchyardApi | undefined {
  if (window.switchyard) return window.switchyard;
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(tokenKey, fromHash);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const token = fromHash ?? sessionStorage.getItem(tokenKey);
  if (!token) return undefined;
  return createAdminClient({
    baseUrl: window.location.origin,
    token,
    createWebSocket: (url) => new WebSocket(url),
    onConnect,
  });
}
