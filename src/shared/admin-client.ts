import { adminPath, type SwitchyardApi } from './api';
import { isErrorPayload, type Envelope } from './errors';
import type { SwitchyardEvent } from './events';

// Handlers take `never` so both the DOM's WebSocket and the `ws` package fit.
interface MinimalWebSocket {
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  close(): void;
}

export interface AdminClientOptions {
  /** e.g. http://127.0.0.1:7801 */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Browsers pass their WebSocket; the CLI passes none and gets no events. */
  createWebSocket?: (url: string) => MinimalWebSocket;
  /**
   * Called whenever the event stream (re)connects: changes made while it was
   * down (or before it first opened) were not pushed, so views refetch.
   */
  onConnect?: () => void;
}

/** The admin API as a `SwitchyardApi`: the same interface Electron's preload gives. */
export function createAdminClient(options: AdminClientOptions): SwitchyardApi {
  const doFetch = options.fetch ?? fetch;
  const listeners = new Set<(event: SwitchyardEvent) => void>();
  let socket: MinimalWebSocket | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;

  const connect = () => {
    if (!options.createWebSocket) return;
    const url = new URL(adminPath.events, options.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', options.token);
    const ws = options.createWebSocket(url.toString());
    socket = ws;
    ws.onopen = () => {
      attempts = 0;
      options.onConnect?.();
    };
    ws.onmessage = (message: { data: unknown }) => {
      if (typeof message.data !== 'string') return;
      const event = JSON.parse(message.data) as SwitchyardEvent;
      for (const listener of listeners) listener(event);
    };
    ws.onclose = () => {
      if (socket !== ws || listeners.size === 0) return;
      // Back off up to 5 s so a restarted `serve` is picked up without a reload.
      attempts += 1;
      retryTimer = setTimeout(connect, Math.min(5000, 250 * 2 ** attempts));
    };
    ws.onerror = () => ws.close();
  };

  return {
    async invoke(name, input) {
      let response: Response;
      try {
        response = await doFetch(new URL(adminPath.command(name), options.baseUrl), {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch (error) {
        return {
          ok: false,
          error: {
            code: 'NOT_RUNNING',
            message: `Cannot reach Switchyard at ${options.baseUrl} (${(error as Error).message}). Is \`switchyard serve\` running?`,
          },
        };
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (body && typeof body === 'object' && 'ok' in body) return body as Envelope<never>;
      const error = body && typeof body === 'object' && 'error' in body ? body.error : undefined;
      return {
        ok: false,
        error: isErrorPayload(error)
          ? error
          : { code: 'INTERNAL', message: `Switchyard answered HTTP ${response.status} without a result.` },
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && socket) {
          const open = socket;
          socket = undefined;
          clearTimeout(retryTimer);
          open.close();
        }
      };
    },
  };
}
