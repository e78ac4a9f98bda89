import { z } from 'zod';

// Limits of the proxy's own listeners, for every route: what a client may
// cost before it is cut off. Stored as one JSON document parsed through this
// schema on read, like route settings, so a new one needs no migration.

const whole = (what: string, unit: string, min: number, max: number) =>
  z
    .number({ error: `${what} is a whole number of ${unit} from ${min} to ${max}.` })
    .int(`${what} is a whole number of ${unit} from ${min} to ${max}.`)
    .min(min, `${what} is at least ${min} ${unit}.`)
    .max(max, `${what} is at most ${max} ${unit}.`);

const proxySettingsShape = {
  /** Time a client has to send a whole request head: stops slowloris (HAProxy's `timeout http-request`). */
  requestHeaderTimeoutMs: whole('The request head timeout', 'ms', 100, 600_000),
  /** Largest request head (request line + headers); 431 beyond (nginx's large_client_header_buffers). */
  maxHeaderBytes: whole('The largest request head', 'bytes', 1_024, 1_048_576),
  /** How long an idle keep-alive client connection is kept open for its next request (nginx's keepalive_timeout). */
  keepAliveTimeoutMs: whole('The keep-alive timeout', 'ms', 100, 3_600_000),
  /** Client connections open at once, per listener address; more are closed at once (HAProxy's maxconn). */
  maxConnections: whole('The connection limit', 'connections', 1, 1_000_000),
  /** Proxied exchanges kept in memory for the Traffic view and `switchyard logs`; 0 records nothing. */
  trafficRecords: whole('The traffic record size', 'records', 0, 100_000),
  /** Append every exchange as a JSON line to access.log in the data directory (Caddy's access log). */
  accessLog: z.boolean({ error: 'The access log is on (true) or off (false).' }),
  /** access.log is rolled to access.log.1 (and older ones shift) when it reaches this size (Caddy's roll_size). */
  accessLogMaxBytes: whole('The access log size', 'bytes', 65_536, 1_073_741_824),
  /**
   * The plain listener on 80 and the HTTPS one on 443 (http://demo.localhost/ with no port), at the next start;
   * a port named with a flag or environment variable wins, and a port the OS refuses leaves the usual one (core.ts).
   */
  useStandardPorts: z.boolean({ error: 'Standard ports are on (true) or off (false).' }),
};

// HAProxy recommends `timeout http-request 10s`; 16 KiB is Node's head limit
// and close to nginx's 4×8k; 5 s keep-alive is Node's default; 4096
// connections stays below the usual 8192 open files for both sides of each.
const proxySettingsDefaults = {
  requestHeaderTimeoutMs: 10_000,
  maxHeaderBytes: 16 * 1024,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4_096,
  trafficRecords: 10_000,
  accessLog: false,
  accessLogMaxBytes: 10 * 1024 * 1024,
  useStandardPorts: false,
} satisfies { [K in keyof typeof proxySettingsShape]: z.input<(typeof proxySettingsShape)[K]> };

export const proxySettingsSchema = z.object({
  requestHeaderTimeoutMs: proxySettingsShape.requestHeaderTimeoutMs.default(proxySettingsDefaults.requestHeaderTimeoutMs),
  maxHeaderBytes: proxySettingsShape.maxHeaderBytes.default(proxySettingsDefaults.maxHeaderBytes),
  keepAliveTimeoutMs: proxySettingsShape.keepAliveTimeoutMs.default(proxySettingsDefaults.keepAliveTimeoutMs),
  maxConnections: proxySettingsShape.maxConnections.default(proxySettingsDefaults.maxConnections),
  trafficRecords: proxySettingsShape.trafficRecords.default(proxySettingsDefaults.trafficRecords),
  accessLog: proxySettingsShape.accessLog.default(proxySettingsDefaults.accessLog),
  accessLogMaxBytes: proxySettingsShape.accessLogMaxBytes.default(proxySettingsDefaults.accessLogMaxBytes),
  useStandardPorts: proxySettingsShape.useStandardPorts.default(proxySettingsDefaults.useStandardPorts),
});
export type ProxySettings = z.infer<typeof proxySettingsSchema>;
export const defaultProxySettings: ProxySettings = proxySettingsSchema.parse({});

/** What an update may send: any subset, nothing unknown. */
export const proxySettingsPatchSchema = z.strictObject({
  requestHeaderTimeoutMs: proxySettingsShape.requestHeaderTimeoutMs.optional(),
  maxHeaderBytes: proxySettingsShape.maxHeaderBytes.optional(),
  keepAliveTimeoutMs: proxySettingsShape.keepAliveTimeoutMs.optional(),
  maxConnections: proxySettingsShape.maxConnections.optional(),
  trafficRecords: proxySettingsShape.trafficRecords.optional(),
  accessLog: proxySettingsShape.accessLog.optional(),
  accessLogMaxBytes: proxySettingsShape.accessLogMaxBytes.optional(),
  useStandardPorts: proxySettingsShape.useStandardPorts.optional(),
});
export type ProxySettingsPatch = z.infer<typeof proxySettingsPatchSchema>;
