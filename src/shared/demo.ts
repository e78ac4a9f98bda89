// The one-click demo: three small backends inside the core behind a route
// for demo.localhost, so a new user sees balancing, health and failover
// without writing a server. Kept free of zod so the renderer can use it.

export const demoHost = 'demo.localhost';

export interface DemoBackendInfo {
  url: string;
  /** What it does, as the UI and CLI say it. */
  behaviour: string;
}

export interface DemoStatus {
  running: boolean;
  /** The demo route's id while it runs. */
  routeId?: number;
  /** Where to open it, through the proxy's HTTP listener. */
  url?: string;
  backends: DemoBackendInfo[];
}
