import { z } from 'zod';
import {
  algorithmSchema,
  backendHealthSchema,
  backendUrlSchema,
  idSchema,
  maxBackendsPerRoute,
  newBackendSchema,
  pathSchema,
  routeAddressSchema,
  routeKindOf,
  routeSettingsPatchSchema,
  weightSchema,
  type Route,
} from './model';
import { backendKindIssue, pathIssue, settingsIssues } from './route-kind';
import type { Problem, RouteHistory, TimelineEntry, TrafficSnapshot } from './events';
import { proxySettingsPatchSchema, type ProxySettings } from './proxy-settings';
import type { TrafficRecord, TrafficTrace } from './traffic';
import { cachePurgeSchema, type CachePurged, type CacheRouteStats } from './cache';
import {
  certificateDomainSchema,
  certificateDomainsSchema,
  issueCertificateSchema,
  pickCertificateSchema,
  regenerateCertificateSchema,
  type CertificateAuthorityInfo,
  type CertificatesOverview,
  type ExportedRoot,
  type IssuedCertificate,
  type LeafCertificateInfo,
  type TrustInstallResult,
  type TrustInstructions,
} from './certificates';
import { exportFormats, type ExportedConfig } from './export-formats';
import type { ProjectApplied, ProjectDiff, ProjectExport } from './project';
import type { DemoStatus } from './demo';
import type { HostResolution } from './hosts';

/** The traffic record holds at most this many (proxy-settings.ts `trafficRecords`). */
const maxTrafficList = 100_000;
const trafficLimitMessage = `The limit is a whole number from 1 to ${maxTrafficList}.`;

export interface ListenerStatus {
  kind: 'http' | 'https' | 'tcp' | 'udp' | 'tls';
  address: string;
  port: number;
  /** For a TCP or UDP route's listener: the route it serves. */
  routeId?: number;
  /** For a TLS passthrough listener: the routes that share it. */
  routeIds?: number[];
}

export interface Status {
  version: string;
  dataDir: string;
  startedAt: string;
  listeners: ListenerStatus[];
  routeCount: number;
  backendCount: number;
  /** What is wrong with Switchyard itself right now (empty: nothing). */
  problems: Problem[];
  /**
   * What this start asked for: the useStandardPorts setting as read then, and the
   * ports it gave (80, 443 unless a flag or environment variable named others);
   * `listeners` has the ports bound. A setting changed since applies at the next start.
   */
  requestedPorts: { useStandardPorts: boolean; http: number; https?: number };
}

interface CommandDefinition<Input extends z.ZodType, Result> {
  summary: string;
  input: Input;
  /** Type-only: carries the result type so every transport infers it. */
  result?: Result;
}

function command<Result>() {
  return <Input extends z.ZodType>(definition: { summary: string; input: Input }) =>
    definition as CommandDefinition<Input, Result>;
}

const noInput = z.strictObject({});

/** A project file is small text; past this it is surely not one (a log pasted by mistake). */
const maxProjectFileChars = 4 * 1024 * 1024;
const projectFileInput = z.strictObject({
  text: z.string({ error: "The project file's text is required." }).max(maxProjectFileChars, `A project file is at most ${maxProjectFileChars / 1024 / 1024} MiB.`),
  /** Also remove routes, backends and domains the file does not name (kubectl apply --prune). */
  prune: z.boolean({ error: 'prune is true or false.' }).default(false),
});

/**
 * The single table of commands. IPC channels, the preload bridge, the admin
 * HTTP routes, the CLI and the renderer's client are all derived from it;
 * adding a command is one entry here plus its handler in the core.
 */
export const commands = {
  status: command<Status>()({
    summary: 'Show what is listening and how much is configured.',
    input: noInput,
  }),
  'backends.live': command<TrafficSnapshot>()({
    summary: "Each backend's status and why, its recent checks, counters and share of recent requests.",
    input: noInput,
  }),
  'routes.history': command<RouteHistory>()({
    summary: "A route's requests, errors and p50/p95 latency second by second, for up to the last 15 minutes (for its charts).",
    input: z.strictObject({
      routeId: idSchema,
      seconds: z.number({ error: 'Seconds is a whole number from 10 to 900.' }).int('Seconds is a whole number from 10 to 900.').min(10, 'Seconds is a whole number from 10 to 900.').max(900, 'Seconds is a whole number from 10 to 900.').default(900),
    }),
  }),
  'traffic.list': command<{ records: TrafficRecord[]; capacity: number }>()({
    summary: 'Recent proxied exchanges, oldest first: for one route or all, only those after a record id, the newest `limit`.',
    input: z.strictObject({
      routeId: idSchema.optional(),
      after: z.number({ error: 'After is a record id (a whole number, 0 for all).' }).int('After is a record id (a whole number, 0 for all).').min(0, 'After is a record id (a whole number, 0 for all).').default(0),
      limit: z.number({ error: trafficLimitMessage }).int(trafficLimitMessage).min(1, trafficLimitMessage).max(maxTrafficList, trafficLimitMessage).default(1000),
    }),
  }),
  'traffic.get': command<TrafficTrace>()({
    summary: "One exchange's whole trace: decisions, attempts and both sides' headers.",
    input: z.strictObject({ id: idSchema }),
  }),
  'traffic.clear': command<{ cleared: number }>()({
    summary: 'Forget every exchange kept in memory (counters and charts stay).',
    input: noInput,
  }),
  'timeline.list': command<TimelineEntry[]>()({
    summary: 'Recent health and config events, newest first (for one route, or all).',
    input: z.strictObject({
      routeId: idSchema.optional(),
      limit: z.number({ error: 'The limit is a whole number from 1 to 1000.' }).int().min(1).max(1000).default(100),
    }),
  }),
  'routes.list': command<Route[]>()({
    summary: 'List every route with its backends.',
    input: noInput,
  }),
  'routes.export': command<ExportedConfig>()({
    summary: 'Every route as a production config: nginx, HAProxy, Caddy, Kubernetes Ingress or Gateway API; certificates are named by file, never included.',
    input: z.strictObject({ format: z.enum(exportFormats, { error: `Choose a format: ${exportFormats.join(', ')}.` }) }),
  }),
  'routes.create': command<Route>()({
    summary: 'Create a route for a host (and optional path prefix).',
    input: z
      .strictObject({
        host: routeAddressSchema,
        path: pathSchema.default('/'),
        algorithm: algorithmSchema.default('round-robin'),
        settings: routeSettingsPatchSchema.default({}),
        backends: z
          .array(newBackendSchema)
          .max(maxBackendsPerRoute, `A route has at most ${maxBackendsPerRoute} backends; split the traffic across routes by path or host.`)
          .default([]),
      })
      .superRefine((route, ctx) => {
        // Each kind's backends, and for TCP and UDP what a relay cannot do (route-kind.ts).
        const kind = routeKindOf(route.host);
        route.backends.forEach((backend, index) => {
          const message = backendKindIssue(kind, backend.url);
          if (message) ctx.addIssue({ code: 'custom', message, path: ['backends', index, 'url'] });
        });
        const wrongPath = pathIssue(kind, route.path);
        if (wrongPath) ctx.addIssue({ code: 'custom', message: wrongPath, path: ['path'] });
        for (const issue of settingsIssues(kind, route.settings, '')) ctx.addIssue({ code: 'custom', message: issue.message, path: ['settings', issue.field] });
        route.backends.forEach((backend, index) => {
          for (const issue of settingsIssues(kind, backend.health, '')) {
            ctx.addIssue({ code: 'custom', message: issue.message, path: ['backends', index, 'health', issue.field] });
          }
        });
      }),
  }),
  'routes.update': command<Route>()({
    summary: "Change a route's host, path prefix, algorithm or settings (only those given).",
    input: z.strictObject({
      id: idSchema,
      host: routeAddressSchema.optional(),
      path: pathSchema.optional(),
      algorithm: algorithmSchema.optional(),
      settings: routeSettingsPatchSchema.optional(),
    }),
  }),
  'routes.delete': command<{ id: number }>()({
    summary: 'Delete a route and its backends.',
    input: z.strictObject({ id: idSchema }),
  }),
  'backends.add': command<Route>()({
    summary: 'Add a backend to a route.',
    input: newBackendSchema.extend({ routeId: idSchema }).strict(),
  }),
  'backends.update': command<Route>()({
    summary: "Change a backend's URL, weight or health-check overrides (only those given; null removes an override).",
    input: z.strictObject({
      id: idSchema,
      url: backendUrlSchema.optional(),
      weight: weightSchema.optional(),
      health: backendHealthSchema.optional(),
    }),
  }),
  'backends.setEnabled': command<Route>()({
    summary: 'Switch a backend on or off; off takes it out of rotation on the next request.',
    input: z.strictObject({ id: idSchema, enabled: z.boolean() }),
  }),
  'backends.drain': command<Route>()({
    summary: 'Stop sending new requests to a backend and let in-flight ones finish; enable or disable ends it.',
    input: z.strictObject({ id: idSchema }),
  }),
  'backends.remove': command<Route>()({
    summary: 'Remove a backend from its route.',
    input: z.strictObject({ id: idSchema }),
  }),
  'settings.get': command<ProxySettings>()({
    summary: "The proxy's listener limits: request head timeout and size, keep-alive timeout, connection limit.",
    input: noInput,
  }),
  'settings.update': command<ProxySettings>()({
    summary: "Change the proxy's listener limits (only those given); they apply to the next connection and request, without a restart.",
    input: proxySettingsPatchSchema,
  }),
  'certificates.get': command<CertificatesOverview>()({
    summary: 'The local CA (names it may certify, fingerprint, expiry, whether this system trusts it) and every certificate it issued, with file paths.',
    input: noInput,
  }),
  'certificates.issue': command<IssuedCertificate>()({
    summary: 'Issue a certificate for host names, *.wildcards or loopback IPs under the CA\'s domains; the result has the certificate and chain, and the key\'s file path (never the key).',
    input: issueCertificateSchema,
  }),
  'certificates.regenerate': command<IssuedCertificate>()({
    summary: 'Re-issue a certificate with a new key (same names; optionally another key type).',
    input: regenerateCertificateSchema,
  }),
  'certificates.remove': command<{ removed: LeafCertificateInfo }>()({
    summary: 'Delete a certificate and its files; a route that used it gets a new one at its next HTTPS connection.',
    input: pickCertificateSchema,
  }),
  'certificates.exportCa': command<ExportedRoot>()({
    summary: 'The root certificate as PEM, for a trust store or a client (never a key).',
    input: noInput,
  }),
  'certificates.setDomains': command<CertificateAuthorityInfo>()({
    summary: 'Set your own domains the CA may certify besides localhost, .test, .internal and .home.arpa; this re-issues the intermediate (the root stays trusted).',
    input: certificateDomainsSchema,
  }),
  'certificates.addDomain': command<CertificateAuthorityInfo>()({
    summary: 'Add one domain of your own to those the CA may certify (re-issues the intermediate; the root stays trusted). Two adds at once both stay.',
    input: certificateDomainSchema,
  }),
  'certificates.removeDomain': command<CertificateAuthorityInfo>()({
    summary: 'Remove one of your own domains (re-issues the intermediate); certificates issued under it are refused by clients from then on.',
    input: certificateDomainSchema,
  }),
  'certificates.trust': command<TrustInstructions>()({
    summary: 'How to make this system and each client trust the root: exact commands per OS, the current one marked.',
    input: noInput,
  }),
  'certificates.installTrust': command<TrustInstallResult>()({
    summary: "Add the root to this system's trust store with the OS's own password prompt, where this shell can show one; otherwise NOT_AVAILABLE with the command to run.",
    input: noInput,
  }),
  'cache.stats': command<CacheRouteStats[]>()({
    summary: "Each route with the HTTP cache on: responses stored, memory they take, hits, misses and hit ratio.",
    input: noInput,
  }),
  'cache.purge': command<CachePurged>()({
    summary: 'Drop stored responses: one URL, every URL under a prefix, or everything; of one route or of all.',
    input: cachePurgeSchema,
  }),
  'project.diff': command<ProjectDiff>()({
    summary: 'What applying a project file (switchyard.json) would change: routes, backends, settings and domains added, changed or removed. Changes nothing.',
    input: projectFileInput,
  }),
  'project.apply': command<ProjectApplied>()({
    summary: 'Make the running set-up match a project file; the whole file is checked first, so a bad one changes nothing. Removes what the file does not name only with prune.',
    input: projectFileInput,
  }),
  'project.export': command<ProjectExport>()({
    summary: 'The running set-up as a project file (switchyard.json): routes, backends, settings other than defaults, and your CA domains.',
    input: noInput,
  }),
  'demo.start': command<DemoStatus>()({
    summary: 'Start three demo backends (one steady, one flaky, one slow) and a route for demo.localhost with light traffic, to watch balancing, health and failover.',
    input: noInput,
  }),
  'demo.stop': command<DemoStatus>()({
    summary: 'Stop the demo: its backends, traffic and route go away.',
    input: noInput,
  }),
  'hosts.check': command<HostResolution>()({
    summary: "Whether a host name reaches this machine, and if not the hosts-file line to add (.localhost names always do).",
    input: z.strictObject({ host: routeAddressSchema }),
  }),
  'token.rotate': command<{ uiUrl: string }>()({
    summary: 'Replace the admin token (it is in the UI address, so in browser history and screenshots); the old one stops working at once.',
    input: noInput,
  }),
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandInput<N extends CommandName> = z.input<Commands[N]['input']>;
export type ParsedCommandInput<N extends CommandName> = z.output<Commands[N]['input']>;
export type CommandResult<N extends CommandName> = NonNullable<Commands[N]['result']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}
