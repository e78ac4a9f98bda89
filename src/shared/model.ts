import { z } from 'zod';
import { algorithms, hashKeySources } from './algorithms';
import { ipv6Literal } from './ip-literal';
import { percentEncodePath, unsendablePathReason } from './url-path';
import { maxPort, parseListenUrl, portRange, routeKindOf, routeKinds } from './route-kind';

export { algorithms, algorithmDescriptions, hashKeySources, type Algorithm } from './algorithms';
export { routeKinds, routeKindOf, type RouteKind } from './route-kind';

// Hostnames follow RFC 1123 labels; a route may also use one leading `*.`
// label, matched like nginx's `server_name *.example.org` (any depth), or be
// `*` alone: the default route for any host nothing else matches (nginx's
// default_server). IP literals route requests sent to an address: IPv4 as
// digits and dots, IPv6 bracketed as in a Host header, stored in the one
// form (`[::1]`) that the data plane reduces Host headers to.
const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const hostPattern = new RegExp(`^(?:\\*|(?:\\*\\.)?(?:${label}\\.)*${label})$`);
const hostSentence =
  'Use a host name like api.myapp.localhost or *.myapp.localhost, or * for every other host (letters, digits, dots and hyphens; no scheme, port or path).';

export const hostSchema = z
  .string({ error: 'Enter a host name, for example api.myapp.localhost.' })
  .trim()
  .toLowerCase()
  .transform((host) => (host.startsWith('[') && host.endsWith(']') ? (ipv6Literal(host.slice(1, -1)) ?? host) : host.replace(/\.$/, '')))
  .pipe(
    z
      .string()
      .min(1, 'Enter a host name, for example api.myapp.localhost.')
      .max(253, 'A host name is at most 253 characters long.')
      .refine((host) => hostPattern.test(host) || ipv6Literal(host.slice(1, -1)) === host, hostSentence),
  );

/** A TCP or UDP route's address: the URL it listens on, in its one stored form (route-kind.ts). */
export const listenUrlSchema = z.string().transform((raw, ctx) => {
  const parsed = parseListenUrl(raw);
  if ('url' in parsed) return parsed.url;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

/** What names a route: a host for an HTTP route, a tcp://, udp:// or tls:// listen URL for the other kinds (route-kind.ts). */
export const routeAddressSchema = z.string({ error: 'Enter a host name, for example api.myapp.localhost.' }).transform((raw, ctx) => {
  const parsed = routeKindOf(raw) !== 'http' ? listenUrlSchema.safeParse(raw) : hostSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
  return z.NEVER;
});

// Paths are stored normalised: leading slash, no trailing slash (except "/"),
// so that `/api`, `/api/` and `api` are the same route.
export const pathSchema = z
  .string()
  .trim()
  .max(1024, 'A path prefix is at most 1024 characters long.')
  .transform((path) => {
    const withSlash = path.startsWith('/') ? path : `/${path}`;
    return withSlash.length > 1 ? withSlash.replace(/\/+$/, '') || '/' : withSlash;
  })
  .pipe(
    z
      .string()
      .regex(
        /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/,
        'A path prefix contains only URL path characters, for example /api (no spaces, query or #).',
      )
      .refine((p) => !p.includes('//'), 'A path prefix cannot contain an empty segment (//).'),
  );

export const algorithmSchema = z.enum(algorithms, {
  error: `Choose an algorithm: ${algorithms.join(', ')}.`,
});

/**
 * The port as written after the host (`new URL` drops a default one and refuses one out of range), if any: past any
 * user information, and ending the authority (so `:99999abc` is not a port; `new URL` also ends one at `\`).
 */
const explicitPortOf = (raw: string): string | undefined => /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(?:\[[^\]]+\]|[^/:?#@]+):(\d+)(?=[/\\?#]|$)/i.exec(raw)?.[1];

export const backendUrlSchema = z
  .string({ error: 'Enter a backend URL, for example http://127.0.0.1:3000.' })
  .trim()
  .min(1, 'Enter a backend URL, for example http://127.0.0.1:3000.')
  // URL parsing silently drops tabs and line breaks (`:30\n00` reads as port
  // 3000) while the port check below reads the raw text: refuse them instead.
  // eslint-disable-next-line no-control-regex
  .refine((raw) => !/[\u0000-\u001f\u007f]/.test(raw), 'A backend URL cannot contain a control character such as a line break or tab.')
  // `127.0.0.1:3000` or `localhost:5173` as a dev server prints it: http, as curl assumes.
  .transform((raw) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`))
  .transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      // WHATWG URL refuses a port above 65535 outright: say that, not that the URL is incomplete.
      const tooLarge = Number(explicitPortOf(raw) ?? 0) > maxPort;
      ctx.addIssue({ code: 'custom', message: tooLarge ? portRange : 'Enter a full URL with scheme, host and port, for example http://127.0.0.1:3000.' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'tcp:' && url.protocol !== 'udp:') {
      ctx.addIssue({ code: 'custom', message: 'A backend URL starts with http:// or https:// (tcp:// behind a TCP route, udp:// behind a UDP route).' });
      return z.NEVER;
    }
    if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
      ctx.addIssue({ code: 'custom', message: 'A backend URL is only scheme, host and port, for example http://127.0.0.1:3000.' });
      return z.NEVER;
    }
    // An explicit port avoids silently proxying to :80 when the user meant a
    // dev server; `new URL` drops default ports, so check the raw text too.
    const explicitPort = explicitPortOf(raw);
    if (explicitPort === undefined) {
      ctx.addIssue({ code: 'custom', message: 'Add the port the backend listens on, for example http://127.0.0.1:3000.' });
      return z.NEVER;
    }
    const port = Number(explicitPort);
    if (port < 1 || port > maxPort) {
      ctx.addIssue({ code: 'custom', message: portRange });
      return z.NEVER;
    }
    // tcp: and udp: are not special schemes to WHATWG URL, so their host is not lower-cased for us.
    return `${url.protocol}//${url.hostname.toLowerCase()}:${port}`;
  });

export const weightSchema = z
  .number({ error: 'A weight is a whole number from 1 to 1000.' })
  .int('A weight is a whole number from 1 to 1000.')
  .min(1, 'A weight is a whole number from 1 to 1000.')
  .max(1000, 'A weight is a whole number from 1 to 1000.');

export const idSchema = z.number({ error: 'An id is a positive whole number.' }).int().positive();

const headerName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'A header or cookie name is 1 to 64 letters, digits or -_.');

/**
 * Per-route behaviour with documented defaults. Stored as one JSON column
 * and parsed through this schema on read, so a new setting needs no
 * migration and old rows get its default.
 */
const milliseconds = (what: string, max: number) =>
  z
    .number({ error: `${what} is a number of milliseconds.` })
    .int(`${what} is a whole number of milliseconds.`)
    .min(1, `${what} is at least 1 ms.`)
    .max(max, `${what} is at most ${max} ms.`);

const settingsShape = {
  /** consistent-hash: where the key comes from; a request without it falls back to round-robin. */
  hashKey: z
    .strictObject({ source: z.enum(hashKeySources), name: headerName.optional() })
    .refine((key) => key.source === 'path' || key.name !== undefined, {
      message: 'Name the header or cookie whose value picks the backend.',
      path: ['name'],
    }),
  /** Remove the route's path prefix before forwarding (`/api/users` → `/users`). */
  stripPrefix: z.boolean(),
  /**
   * Send the backend's host:port as Host instead of the client's (nginx's
   * default would be $proxy_host; we keep $host by default because
   * multi-tenant dev servers route on it, and many others need the rewrite).
   */
  rewriteHost: z.boolean(),
  /**
   * Check https:// backends' certificates (Caddy and undici do; nginx's
   * proxy_ssl_verify defaults to off). Off accepts a dev server's
   * self-signed certificate.
   */
  verifyBackendTls: z.boolean(),
  /** Add X-Switchyard-Backend to responses, naming the backend that served them. */
  backendHeader: z.boolean(),
  /**
   * Answer plain-HTTP requests with a 308 to the same URL on the HTTPS
   * listener (nginx's `return 308 https://$host$request_uri`). Never with
   * HSTS, which would stick in the browser for every port of the name.
   */
  redirectHttps: z.boolean(),
  /** Further attempts on other backends when one fails before answering (nginx proxy_next_upstream_tries − 1). */
  retries: z.number({ error: 'Retries is a whole number from 0 to 10.' }).int().min(0).max(10),
  connectTimeoutMs: milliseconds('The connect timeout', 600_000),
  /** From the request fully sent to the response's headers (Go's ResponseHeaderTimeout). */
  responseHeaderTimeoutMs: milliseconds('The response header timeout', 3_600_000),
  /** Longest silence on an upstream connection once the response has started (nginx proxy_read_timeout). */
  idleTimeoutMs: milliseconds('The idle timeout', 3_600_000),
  /** Keep a client on one backend: by an opaque cookie, or by client address. */
  sticky: z.enum(['off', 'cookie', 'ip'], { error: 'Sticky sessions are off, cookie or ip.' }),
  stickyCookie: headerName,
  /** Token bucket: requests per second refilled, up to `rateLimitBurst` at once; 0 turns it off. */
  rateLimitRps: z.number({ error: 'The rate limit is a number of requests per second (0 for none).' }).min(0).max(1_000_000),
  rateLimitBurst: z.number({ error: 'The burst is a whole number of requests.' }).int().min(1).max(1_000_000),
  rateLimitPer: z.enum(['ip', 'global'], { error: 'A rate limit applies per ip or global.' }),
  /** gzip or br for compressible responses the backend sent uncompressed. */
  compression: z.boolean(),
  /** Keep responses in memory as a shared cache does (RFC 9111) and answer from them; off by default, as nginx's proxy_cache. */
  cache: z.boolean(),
  /**
   * With the cache on and every backend down, answer with what is stored even
   * when it is stale and has no stale-if-error (nginx's proxy_cache_use_stale
   * error); never against must-revalidate, proxy-revalidate or s-maxage.
   */
  serveStaleWhenDown: z.boolean(),
  /**
   * Where the cache keeps responses: memory (gone at exit), or one file per
   * response under the data directory's cache/<route id>/ (nginx's
   * proxy_cache_path), kept across restarts.
   */
  cacheStorage: z.enum(['memory', 'disk'], { error: 'Cache storage is memory or disk.' }),
  /** The disk cache's cap in MB (nginx's max_size): past it the least recently used responses' files are removed. */
  cacheDiskMaxMb: z
    .number({ error: 'The disk cache size is a whole number of MB from 1 to 1048576.' })
    .int('The disk cache size is a whole number of MB from 1 to 1048576.')
    .min(1, 'The disk cache size is a whole number of MB from 1 to 1048576.')
    .max(1_048_576, 'The disk cache size is a whole number of MB from 1 to 1048576.'),
  /** Active checks: a TCP connect, an HTTP request, a UDP probe datagram (healthSend, healthExpect), or none. */
  healthCheck: z.enum(['tcp', 'http', 'udp', 'off'], { error: 'Health checks are tcp, http, udp or off.' }),
  healthMethod: z.enum(['GET', 'HEAD'], { error: 'Health checks use GET or HEAD.' }),
  /** Stored percent-encoded (`/状态` → `/%E7%8A%B6%E6%80%81`), so what is shown is what is sent. */
  healthPath: z
    .string({ error: 'A health check path is text that starts with /, e.g. /health.' })
    .trim()
    .max(1024, 'A health check path is at most 1024 characters long.')
    .transform((path, ctx) => {
      const why = path.startsWith('/') ? unsendablePathReason(path) : 'does not start with /';
      if (why === undefined) return percentEncodePath(path);
      ctx.addIssue({ code: 'custom', message: `A health check path starts with / and is sent as written, e.g. /health; this one ${why}.` });
      return z.NEVER;
    })
    .pipe(z.string().max(4096, 'A health check path is at most 4096 characters long once percent-encoded.')),
  /** Accepted statuses: classes like 2xx and single codes, comma-separated. */
  healthStatuses: z
    .string()
    .trim()
    .regex(/^\s*([1-5]xx|[1-5]\d\d)(\s*,\s*([1-5]xx|[1-5]\d\d))*\s*$/i, 'List statuses like 2xx,3xx or 200,204.'),
  /** The body must contain this text (empty: any body). */
  healthBody: z.string().max(256, 'The expected body text is at most 256 characters.'),
  /** UDP checks: the probe datagram's text (HAProxy's tcp-check send, nginx's match send). */
  healthSend: z.string({ error: 'The probe datagram is text.' }).max(512, 'The probe datagram is at most 512 characters.'),
  /**
   * UDP checks: the reply must contain this text. Empty: no reply is needed,
   * only no ICMP port unreachable within the check timeout, as nginx's UDP
   * health_check without a match block.
   */
  healthExpect: z.string({ error: 'The expected reply is text.' }).max(256, 'The expected reply is at most 256 characters.'),
  healthIntervalMs: milliseconds('The check interval', 3_600_000).min(100, 'The check interval is at least 100 ms.'),
  healthTimeoutMs: milliseconds('The check timeout', 600_000),
  healthRise: z.number({ error: 'Rise is a whole number of checks.' }).int().min(1).max(100),
  healthFall: z.number({ error: 'Fall is a whole number of checks.' }).int().min(1).max(100),
  /** Consecutive failures on real traffic that eject a backend (0: never). */
  ejectAfter: z.number({ error: 'Eject after is a whole number of failures (0 for never).' }).int().min(0).max(1000),
  /** Count 5xx answers as failures too (Envoy's consecutive_5xx); off: only connect errors, resets, timeouts. */
  ejectOn5xx: z.boolean(),
  ejectBaseMs: milliseconds('The base ejection time', 86_400_000),
  ejectMaxMs: milliseconds('The longest ejection', 86_400_000),
  /** Never eject more than this share of a route's backends at once (at least one may go). */
  maxEjectedPercent: z.number({ error: 'Max ejected is a percentage.' }).min(0).max(100),
  /** Below this share of available backends, balance across all enabled ones instead. */
  panicThresholdPercent: z.number({ error: 'The panic threshold is a percentage.' }).min(0).max(100),
  /**
   * TCP routes: connections open at once; one more is closed as soon as it is
   * accepted (HAProxy's frontend maxconn, without its queue). UDP routes:
   * sessions at once; a datagram that would start one more is dropped. HTTP
   * routes do not use it: the proxy-wide maxConnections limits their clients.
   */
  /**
   * UDP routes: replies expected per client datagram (nginx's
   * proxy_responses); once a session has had that many for every datagram
   * it sent, it ends (DNS: 1). 0: no limit, the session ends when idle.
   */
  /**
   * TCP and TLS routes: write a PROXY protocol header (v1 text, v2 binary) to
   * each backend connection before any client byte, so the backend sees the
   * real client's address and port (HAProxy's send-proxy, send-proxy-v2).
   * Health checks do not send it, as HAProxy's check-send-proxy is opt-in:
   * a TCP connect check opens and closes a connection without a byte.
   */
  proxyProtocol: z.enum(['off', 'v1', 'v2'], { error: 'The PROXY protocol is off, v1 or v2.' }),
  udpResponses: z.number({ error: 'Responses is a whole number from 0 to 1000 (0 for no limit).' }).int('Responses is a whole number from 0 to 1000 (0 for no limit).').min(0, 'Responses is a whole number from 0 to 1000 (0 for no limit).').max(1000, 'Responses is a whole number from 0 to 1000 (0 for no limit).'),
  maxConnections: z.number({ error: 'Max connections is a whole number from 1 to 1000000.' }).int('Max connections is a whole number from 1 to 1000000.').min(1, 'Max connections is a whole number from 1 to 1000000.').max(1_000_000, 'Max connections is a whole number from 1 to 1000000.'),
};

// Documented defaults. Local backends answer connects at once, so a 5 s
// connect timeout only ever fires on a firewalled or wrong address; the
// others are nginx's 60 s.
const settingsDefaults = {
  hashKey: { source: 'path' },
  stripPrefix: false,
  rewriteHost: false,
  verifyBackendTls: true,
  backendHeader: true,
  redirectHttps: false,
  retries: 2,
  connectTimeoutMs: 5_000,
  responseHeaderTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  sticky: 'off',
  stickyCookie: 'switchyard_sticky',
  rateLimitRps: 0,
  rateLimitBurst: 20,
  rateLimitPer: 'ip',
  compression: false,
  cache: false,
  serveStaleWhenDown: false,
  cacheStorage: 'memory',
  cacheDiskMaxMb: 256,
  // A TCP connect works against any dev server; switch to http for /health.
  healthCheck: 'tcp',
  healthMethod: 'GET',
  healthPath: '/health',
  healthStatuses: '2xx,3xx',
  healthBody: '',
  healthSend: '',
  healthExpect: '',
  // HAProxy's defaults: inter 2s, rise 2, fall 3; timeout 1 s.
  healthIntervalMs: 2_000,
  healthTimeoutMs: 1_000,
  healthRise: 2,
  healthFall: 3,
  // Envoy's outlier detection: 5 consecutive errors, 30 s base ejection (300 s cap).
  ejectAfter: 5,
  ejectOn5xx: false,
  ejectBaseMs: 30_000,
  ejectMaxMs: 300_000,
  maxEjectedPercent: 50,
  panicThresholdPercent: 50,
  udpResponses: 0,
  proxyProtocol: 'off',
  // Far above what a developer's database client pools open (Postgres allows 100 by default), low enough to stop a runaway loop.
  maxConnections: 1_000,
} satisfies { [K in keyof typeof settingsShape]: z.input<(typeof settingsShape)[K]> };

export const routeSettingsSchema = z.object(
  Object.fromEntries(
    Object.entries(settingsShape).map(([key, schema]) => [
      key,
      (schema as z.ZodType).default(settingsDefaults[key as keyof typeof settingsDefaults] as never),
    ]),
  ) as { [K in keyof typeof settingsShape]: z.ZodDefault<(typeof settingsShape)[K]> },
);
export type RouteSettings = z.infer<typeof routeSettingsSchema>;
export const defaultRouteSettings: RouteSettings = routeSettingsSchema.parse({});

/** What a create or update may send: any subset of settings, nothing unknown. */
export const routeSettingsPatchSchema = z.strictObject(
  Object.fromEntries(Object.entries(settingsShape).map(([key, schema]) => [key, (schema as z.ZodType).optional()])) as {
    [K in keyof typeof settingsShape]: z.ZodOptional<(typeof settingsShape)[K]>;
  },
);
export type RouteSettingsPatch = z.infer<typeof routeSettingsPatchSchema>;

/** Health-check settings one backend may override (e.g. its own health path). */
export const backendHealthKeys = ['healthCheck', 'healthMethod', 'healthPath', 'healthStatuses', 'healthBody'] as const;
export const backendHealthSchema = z.strictObject(
  Object.fromEntries(backendHealthKeys.map((key) => [key, (settingsShape[key] as z.ZodType).nullable().optional()])) as {
    [K in (typeof backendHealthKeys)[number]]: z.ZodOptional<z.ZodNullable<(typeof settingsShape)[K]>>;
  },
);
export type BackendHealth = z.infer<typeof backendHealthSchema>;

export const backendSchema = z.object({
  id: z.number(),
  routeId: z.number(),
  url: z.string(),
  weight: z.number(),
  enabled: z.boolean(),
  /** Takes no new requests; in-flight ones finish. Cleared by enabling or disabling. */
  draining: z.boolean(),
  /** Overrides of the route's health-check settings for this backend only. */
  health: backendHealthSchema,
});
export type Backend = z.infer<typeof backendSchema>;

export const routeSchema = z.object({
  id: z.number(),
  /** http: routed by Host and path; tcp, udp: its own listener relays bytes or datagrams (engine/l4); tls: a listener shared by server name relays bytes. */
  kind: z.enum(routeKinds),
  /** For an HTTP route its host; for a TCP or UDP route its listen URL (tcp://127.0.0.1:15432), for a TLS route that and its server name (tls://127.0.0.1:18443/db.localhost), which names it everywhere. */
  host: z.string(),
  path: z.string(),
  algorithm: algorithmSchema,
  settings: routeSettingsSchema,
  backends: z.array(backendSchema),
});
export type Route = z.infer<typeof routeSchema>;

/** The most backends one route may have (routes.create and backends.add): bounds the consistent-hash ring and every per-request scan. */
export const maxBackendsPerRoute = 256;

export const newBackendSchema = z.object({
  url: backendUrlSchema,
  weight: weightSchema.default(1),
  enabled: z.boolean().default(true),
  health: backendHealthSchema.default({}),
});
