import { routeKindOf } from '../../src/shared/route-kind';
import { routeSettingsSchema, type Algorithm, type Route, type RouteSettingsPatch } from '../../src/shared/model';

// Routes as the store hands them to the exporters, built without a store so
// each test says exactly which settings it exports.

let nextId = 1;

export interface RouteSpec {
  host: string;
  path?: string;
  algorithm?: Algorithm;
  settings?: RouteSettingsPatch;
  /** URLs, or URL with weight and switches. */
  backends: (string | { url: string; weight?: number; enabled?: boolean; draining?: boolean })[];
}

export function route({ host, path = '/', algorithm = 'round-robin', settings = {}, backends }: RouteSpec): Route {
  const id = nextId++;
  const kind = routeKindOf(host);
  // TCP and TLS routes cut silence after 10 minutes (route-kind.ts kindSettingDefaults).
  return {
    id,
    kind,
    host,
    path,
    algorithm,
    settings: routeSettingsSchema.parse(kind === 'tcp' || kind === 'tls' ? { idleTimeoutMs: 600_000, ...settings } : settings),
    backends: backends.map((spec, index) => {
      const b = typeof spec === 'string' ? { url: spec } : spec;
      return { id: id * 1000 + index, routeId: id, url: b.url, weight: b.weight ?? 1, enabled: b.enabled ?? true, draining: b.draining ?? false, health: {} };
    }),
  };
}

/** One route per algorithm and feature: what every format must express or comment on. */
export function featureRoutes(): Route[] {
  return [
    route({ host: 'api.myapp.localhost', path: '/api', algorithm: 'weighted-round-robin', backends: [{ url: 'http://127.0.0.1:3000', weight: 3 }, 'http://127.0.0.1:3001'], settings: { stripPrefix: true, retries: 3, connectTimeoutMs: 2000, responseHeaderTimeoutMs: 30_000, idleTimeoutMs: 90_000 } }),
    route({ host: 'api.myapp.localhost', algorithm: 'least-connections', backends: ['http://127.0.0.1:3002', { url: 'http://127.0.0.1:3003', enabled: false }], settings: { rateLimitRps: 10, rateLimitBurst: 20, compression: true } }),
    route({ host: 'shop.localhost', algorithm: 'ip-hash', backends: ['http://127.0.0.1:4000', 'http://127.0.0.1:4001'], settings: { sticky: 'cookie', stickyCookie: 'shop_session', healthCheck: 'http', healthPath: '/healthz', healthStatuses: '2xx,301', healthBody: 'ok', redirectHttps: true } }),
    route({ host: '*.preview.localhost', algorithm: 'consistent-hash', backends: ['http://127.0.0.1:5000', 'http://127.0.0.1:5001'], settings: { hashKey: { source: 'header', name: 'x-user' }, rateLimitRps: 2.5, rateLimitPer: 'global', cache: true, serveStaleWhenDown: true } }),
    route({ host: 'cookie.localhost', algorithm: 'consistent-hash', backends: ['http://127.0.0.1:5100', 'http://127.0.0.1:5101'], settings: { hashKey: { source: 'cookie', name: 'tenant' }, sticky: 'ip', ejectOn5xx: true } }),
    route({ host: 'app.example.com', algorithm: 'random-two-choices', backends: ['https://10.0.0.5:8443', 'https://10.0.0.6:8443'], settings: { verifyBackendTls: false, rewriteHost: true, healthCheck: 'off', ejectAfter: 0 } }),
    route({ host: '*', algorithm: 'round-robin', backends: ['http://localhost:6000', { url: 'http://127.0.0.1:6001', draining: true }], settings: { backendHeader: false } }),
    route({ host: '127.0.0.1', path: '/status', backends: ['http://127.0.0.1:7000'] }),
    route({ host: 'tcp://127.0.0.1:15432', algorithm: 'least-connections', backends: ['tcp://127.0.0.1:5432', 'tcp://127.0.0.1:5433'], settings: { maxConnections: 50, retries: 1 } }),
    route({ host: 'udp://127.0.0.1:15353', algorithm: 'consistent-hash', backends: ['udp://127.0.0.1:5353', 'udp://127.0.0.1:5354'], settings: { idleTimeoutMs: 60_000, healthCheck: 'off', udpResponses: 1 } }),
    route({ host: 'tls://127.0.0.1:18443/db.localhost', backends: ['tcp://127.0.0.1:8443'], settings: { proxyProtocol: 'v2' } }),
    route({ host: 'tls://127.0.0.1:18443/*.db.localhost', algorithm: 'least-connections', backends: ['tcp://127.0.0.1:8444', 'tcp://127.0.0.1:8445'] }),
    route({ host: 'tls://127.0.0.1:18443/*', backends: ['tcp://127.0.0.1:8446'], settings: { healthCheck: 'off' } }),
    route({ host: 'tcp://[::1]:16379', algorithm: 'consistent-hash', backends: ['tcp://127.0.0.1:6379'], settings: { healthCheck: 'off' } }),
  ];
}
