import { parseArgs } from 'node:util';
import { createAdminClient } from '../../shared/admin-client';
import type { SwitchyardApi } from '../../shared/api';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import { SwitchyardError } from '../../shared/errors';
import { algorithms, backendUrlSchema, defaultRouteSettings, pathSchema, routeAddressSchema, type Route } from '../../shared/model';
import { listenAddressOf, routeKindOf, tlsRouteParts } from '../../shared/route-kind';
import { defaultProxySettings } from '../../shared/proxy-settings';
import { formatHealth, formatRecord, formatRoutes, formatStatus, table } from './cli-format';
import { certCommand, certUsage } from './cert-cli';
import { cacheCommand, cacheUsage } from './cache-cli';
import { exportCommand, exportUsage } from './export-cli';
import { applyCommand, exportProjectCommand, projectUsage } from './project-cli';
import { demoCommand, demoUsage } from './demo-cli';
import { serviceCommand, serviceUsage } from './service-cli';
import type { SwitchyardEvent } from '../../shared/events';
import { isProcessAlive, readConnection, rotateStoredToken } from './connection-file';
import { formerDataDirs, isDefaultDataDir, resolveDataDir } from './data-dir';
import { defaultAdminPort, serve } from './serve';
import { routeLabel } from '../../shared/route-label';
import { originOf } from '../../shared/origin';
import { guardProcess } from '../process-guard';
import { batchIntervalMs, maxBatchRecords } from '../core/engine/traffic/record-ring';
import type { TrafficRecord } from '../../shared/traffic';

/** Exchanges `switchyard logs` prints before following, like `kubectl logs --tail`. */
const defaultLogLimit = 100;
/** A batch of traffic.added carries at most this many records a second; past it the rest are counted, not sent. */
const streamedPerSecond = maxBatchRecords * (1_000 / batchIntervalMs);
/** WebSocket close code the admin server uses when the token changed (admin-server.ts). */
const policyViolation = 1008;

export const usage = `Usage: switchyard <command> [options]

  serve [--http-port N] [--https-port N] [--admin-port N] [--demo]
                                           run the proxy and the web UI (default ports 7800, 7443, ${defaultAdminPort});
                                           --demo also starts the demo (see demo start)
  status [--json] [--watch]                what is running, every backend's health and why
  logs [--follow|-f] [--route HOST[/PATH]] [--json] [--limit N]
                                           the last N proxied exchanges (default ${defaultLogLimit}), one a line; --follow
                                           keeps streaming new ones until Ctrl+C; --json prints each record as JSON
  route list [--json]                      routes and their backends
  route add HOST --backend URL [--backend URL ...] [--path P] [--algorithm A] [--set KEY=VALUE ...]
  route add tcp://127.0.0.1:PORT --backend tcp://HOST:PORT [--backend ...] [--algorithm A] [--set KEY=VALUE ...]
                                           a TCP route: its own listener relays bytes to the backends;
                                           everywhere HOST is asked for, a TCP route is named by its tcp:// URL
  route add udp://127.0.0.1:PORT --backend udp://HOST:PORT [--backend ...] [--algorithm A] [--set KEY=VALUE ...]
                                           a UDP route: a session per client address:port, named by its udp:// URL;
                                           --set udpResponses=1 ends a session at its reply (DNS),
                                           --set healthCheck=udp --set healthSend=TEXT --set healthExpect=TEXT probes backends
  route set HOST [--path P] [--algorithm A] [--set KEY=VALUE ...]
  route remove HOST [--path P]
  backend add HOST URL [--path P] [--weight N] [--set KEY=VALUE ...]
  backend set HOST URL [--path P] [--weight N] [--set healthPath=/ping ...]   (--set KEY=default removes an override)
  backend remove|enable|disable|drain HOST URL [--path P]
  settings [--json] [--set KEY=VALUE ...]      the proxy's listener limits (${Object.keys(defaultProxySettings).join(', ')})
  token rotate                             a new admin token (the old one, in browser history or a screenshot, stops working)
${projectUsage}
${demoUsage}
${serviceUsage}
${certUsage}
${cacheUsage}
${exportUsage}

Every command accepts --data-dir DIR (or SWITCHYARD_DATA_DIR).
Algorithms: ${algorithms.join(', ')}.
Route settings (--set): ${Object.keys(defaultRouteSettings).join(', ')};
  e.g. --set sticky=cookie --set rateLimitRps=10 --set compression=on --set hashKey=header:X-User`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

class UsageError extends Error {}

const options = {
  'data-dir': { type: 'string' },
  'http-port': { type: 'string' },
  'https-port': { type: 'string' },
  'admin-port': { type: 'string' },
  backend: { type: 'string', multiple: true },
  set: { type: 'string', multiple: true },
  path: { type: 'string' },
  algorithm: { type: 'string' },
  weight: { type: 'string' },
  json: { type: 'boolean' },
  watch: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  route: { type: 'string' },
  prefix: { type: 'string' },
  limit: { type: 'string' },
  rsa: { type: 'boolean' },
  out: { type: 'string' },
  id: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  format: { type: 'string' },
  output: { type: 'string' },
  prune: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  demo: { type: 'boolean' },
} as const;

function parsePort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`${flag} takes a port number from 0 to 65535, not "${value}".`);
  return port;
}

function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }, value: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`"${value}": ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/** Wraps the admin client so a failed command becomes a thrown SwitchyardError. */
function connect(dataDir: string): { call: <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<CommandResult<N>>; uiUrl: string; httpPort: number; httpsPort: number | undefined } {
  const connection = readConnection(dataDir);
  if (!connection || !isProcessAlive(connection.pid)) {
    throw new SwitchyardError(
      'NOT_RUNNING',
      // The desktop app runs on the same folder as a plain `serve` (data-dir.ts), so it is the other way to start it.
      dataDir === resolveDataDir(undefined)
        ? `Switchyard is not running for ${dataDir}. Start it with \`switchyard serve\`, or open the Switchyard app.`
        : `Switchyard is not running for ${dataDir}. Start it with \`switchyard serve --data-dir ${dataDir}\`.`,
    );
  }
  const api: SwitchyardApi = createAdminClient({ baseUrl: connection.adminUrl, token: connection.token });
  return {
    uiUrl: `${connection.adminUrl}/#token=${connection.token}`,
    httpPort: connection.httpPort,
    httpsPort: connection.httpsPort,
    async call(name, input) {
      const answer = await api.invoke(name, input);
      if (!answer.ok) throw new SwitchyardError(answer.error.code, answer.error.message, answer.error.field);
      return answer.result;
    },
  };
}

/**
 * `--set key=value` pairs as a settings patch. Values are coerced the way a
 * shell user writes them (on/off, numbers); the core validates the result,
 * so an unknown key or a bad value comes back as its usual message.
 */
export function parseSettings(pairs: readonly string[] = [], defaults: object = defaultRouteSettings): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes KEY=VALUE, not "${pair}".`);
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    // Coerce by the type of the setting's default; unknown keys stay text
    // and the core says they are unknown.
    const kind = typeof (defaults as Record<string, unknown>)[key];
    if (raw === 'default') settings[key] = null;
    else if (key === 'hashKey') {
      const [source, name] = raw.split(':', 2);
      settings[key] = name === undefined ? { source } : { source, name };
    } else if (kind === 'boolean' && /^(on|true|yes)$/i.test(raw)) settings[key] = true;
    else if (kind === 'boolean' && /^(off|false|no)$/i.test(raw)) settings[key] = false;
    else if (kind === 'number' && raw !== '' && !Number.isNaN(Number(raw))) settings[key] = Number(raw);
    else settings[key] = raw;
  }
  return settings;
}

function findRoute(routes: Route[], hostArg: string, pathArg: string | undefined): Route {
  // A host, or a TCP route's tcp:// URL in its stored form.
  const host = parseOrThrow(routeAddressSchema, hostArg);
  const path = parseOrThrow(pathSchema, pathArg ?? '/');
  const route = routes.find((r) => r.host === host && r.path === path);
  if (!route) {
    throw new SwitchyardError('ROUTE_NOT_FOUND', `There is no route for ${routeLabel({ host, path })}. See them with \`switchyard route list\`.`);
  }
  return route;
}

async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [group, action, ...rest] = positionals;
  if (values.help || group === undefined || group === 'help') {
    io.out(usage);
    return group === undefined && !values.help ? 2 : 0;
  }
  const dataDir = resolveDataDir(values['data-dir']);

  if (group === 'serve') {
    if (action !== undefined) throw new UsageError(`serve takes no arguments, got "${action}".`);
    // A long-running server from here on: nothing unexpected may end it.
    guardProcess(io.err);
    const running = await serve({
      dataDir,
      httpPort: parsePort(values['http-port'], '--http-port'),
      httpsPort: parsePort(values['https-port'], '--https-port'),
      adminPort: parsePort(values['admin-port'], '--admin-port'),
      log: io.err,
      // Only into the default folder: a folder the user named is theirs to fill.
      formerDataDirs: isDefaultDataDir(values['data-dir']) ? formerDataDirs([]) : [],
    });
    if (running.migration.kind === 'moved') io.out(running.migration.message);
    const status = await running.core.run('status', {});
    if (status.ok) io.out(formatStatus(status.result, running.uiUrl));
    if (values.demo) {
      const demo = await running.core.run('demo.start', {});
      // The proxy runs without it: a demo that cannot start is a sentence, not a stop.
      io.out(demo.ok ? `Demo: open ${demo.result.url} (the UI shows its three backends balance, fail and recover).` : `The demo did not start: ${demo.error.message}`);
    }
    io.out('Open the UI address above in a browser. Press Ctrl+C to stop.');
    // Handlers stay installed while stopping: Ctrl+C reaches every process
    // of `npm start` and a second signal must not cut the clean stop short.
    await new Promise<void>((resolve) => {
      process.on('SIGINT', () => resolve());
      process.on('SIGTERM', () => resolve());
    });
    io.out('Stopping: letting in-flight requests finish (up to 2 s)...');
    await running.stop();
    io.out('Switchyard stopped.');
    return 0;
  }

  // Needs no running Switchyard: it installs the one that will run.
  if (group === 'service') {
    return serviceCommand(action, rest, dataDir, io.out, (shape) => new UsageError(`Usage: switchyard ${shape}`));
  }
  if (group === 'token' && action === 'rotate') {
    if (rest.length) throw new UsageError('Usage: switchyard token rotate');
    const connection = readConnection(dataDir);
    if (!connection || !isProcessAlive(connection.pid)) {
      if (!rotateStoredToken(dataDir)) throw new SwitchyardError('NOT_RUNNING', `There is no admin token yet for ${dataDir}: one is made at the first \`switchyard serve\`.`);
      io.out('New admin token saved; Switchyard is not running, so it takes effect at the next start (see `switchyard status`).');
      return 0;
    }
    const { uiUrl } = await connect(dataDir).call('token.rotate', {});
    io.out(`New admin token in use; the old one no longer works. Open the UI at:\n  ${uiUrl}`);
    return 0;
  }

  const client = connect(dataDir);
  const expect = (count: number, shape: string) => {
    if (rest.length !== count) throw new UsageError(`Usage: switchyard ${shape}`);
  };

  if (group === 'status' && action === undefined) {
    const show = async () => {
      const [status, routes, live] = await Promise.all([client.call('status', {}), client.call('routes.list', {}), client.call('backends.live', {})]);
      // `live`: each route's figures (requests, answers by class, Switchyard's own answers, errors), by route id.
      if (values.json) return JSON.stringify({ ...status, routes, backends: live.backends, live: live.routes }, null, values.watch ? 0 : 2);
      return `${formatStatus(status, client.uiUrl)}\n\n${formatHealth(routes, live.backends, live.routes)}`;
    };
    io.out(await show());
    if (!values.watch) return 0;
    await watch(dataDir, async (event) => {
      if (event.name === 'timeline.added' && !values.json) io.out(`${event.payload.at}  ${event.payload.kind.padEnd(8)} ${event.payload.message}`);
      if (event.name !== 'timeline.added') io.out(values.json ? await show() : `\n${await show()}`);
    });
    return 0;
  }
  if (group === 'cert') {
    return certCommand(action, rest, values, client.call, io, (shape) => new UsageError(`Usage: switchyard ${shape}`));
  }
  if (group === 'apply') {
    return applyCommand(action === undefined ? rest : [action, ...rest], values, client.call, io, (shape) => new UsageError(`Usage: switchyard ${shape}`));
  }
  // --format nginx and the other production configs are export-cli's; without --format, or with switchyard, the project file.
  const exportFormat = values.format;
  if (group === 'export' && (exportFormat === undefined || exportFormat === 'switchyard')) {
    return exportProjectCommand(action === undefined ? rest : [action, ...rest], values, client.call, io.out, (shape) => new UsageError(`Usage: switchyard ${shape}`));
  }
  if (group === 'demo') {
    return demoCommand(action, rest, client.call, io.out, (shape) => new UsageError(`Usage: switchyard ${shape}`));
  }
  if (group === 'export') {
    return exportCommand(action === undefined ? rest : [action, ...rest], values, client.call, io.out, (message) => new UsageError(message));
  }
  if (group === 'cache') {
    return cacheCommand(action, rest, values, client.call, io.out, (arg) => routeIdOf(client, arg, values.path), (shape) => new UsageError(`Usage: switchyard ${shape}`));
  }
  if (group === 'logs') {
    if (action !== undefined) throw new UsageError('Usage: switchyard logs [--follow] [--route HOST[/PATH]] [--json] [--limit N]');
    return logs(dataDir, client, values, io);
  }
  if (group === 'settings' && action === undefined) {
    // KEY=default puts a limit back to its default.
    const patch = Object.fromEntries(
      Object.entries(parseSettings(values.set, defaultProxySettings)).map(([key, value]) => [key, value ?? (defaultProxySettings as Record<string, unknown>)[key]]),
    );
    const settings = Object.keys(patch).length ? await client.call('settings.update', patch) : await client.call('settings.get', {});
    io.out(values.json ? JSON.stringify(settings, null, 2) : table([['SETTING', 'VALUE'], ...Object.entries(settings).map(([k, v]) => [k, String(v)])]));
    // Ports are taken at start (core/standard-ports.ts says why): say so where the limits apply at once.
    if (!values.json && 'useStandardPorts' in patch) io.out('useStandardPorts applies when Switchyard restarts; `switchyard status` then shows the ports asked for and bound.');
    return 0;
  }
  if (group === 'route' && action === 'list') {
    expect(0, 'route list [--json]');
    const routes = await client.call('routes.list', {});
    io.out(values.json ? JSON.stringify(routes, null, 2) : formatRoutes(routes, client.httpPort));
    return 0;
  }
  if (group === 'route' && action === 'add') {
    expect(1, 'route add HOST --backend URL [--backend URL ...] [--path P] [--algorithm A]');
    const route = await client.call('routes.create', {
      host: rest[0]!,
      path: values.path,
      algorithm: values.algorithm as (typeof algorithms)[number] | undefined,
      settings: parseSettings(values.set),
      backends: (values.backend ?? []).map((url) => ({ url })),
    });
    io.out(`Added ${routeLabel(route)} → ${route.backends.map((b) => b.url).join(', ') || '(no backends yet)'}`);
    if (route.kind === 'tcp') {
      const { address, port } = listenAddressOf(route.host);
      io.out(`Try it: nc ${address} ${port}   (or point your client at ${address.includes(':') ? `[${address}]` : address}:${port}; \`switchyard status\` says if the port could not be taken)`);
      return 0;
    }
    if (route.kind === 'tls') {
      const { address, port } = listenAddressOf(route.host);
      const name = tlsRouteParts(route.host).serverName.replace(/^\*\./, 'any.');
      const sni = name === '*' ? '-noservername' : `-servername ${name}`;
      io.out(`Try it: openssl s_client -connect ${address.includes(':') ? `[${address}]` : address}:${port} ${sni}   (the backend's own certificate answers; \`switchyard status\` says if the port could not be taken)`);
      return 0;
    }
    if (route.kind === 'udp') {
      const { address, port } = listenAddressOf(route.host);
      io.out(`Try it: nc -u ${address} ${port}   (or dig @${address} -p ${port} for DNS; \`switchyard status\` says if the port could not be taken)`);
      return 0;
    }
    const exampleHost = route.host.replace(/^\*\./, 'any.');
    io.out(`Try it: curl ${originOf('http', exampleHost, client.httpPort)}${route.path}`);
    if (client.httpsPort !== undefined) {
      const { ca, routesWithoutHttps } = await client.call('certificates.get', {});
      const refused = routesWithoutHttps.find((r) => r.id === route.id);
      if (refused) io.out(`No HTTPS for it: ${refused.reason}`);
      else io.out(`    or: curl --cacert ${ca.rootCertificatePath} ${originOf('https', exampleHost, client.httpsPort)}${route.path}`);
    }
    return 0;
  }
  if (group === 'route' && action === 'set') {
    expect(1, 'route set HOST [--path P] [--algorithm A] [--set KEY=VALUE ...]');
    const route = findRoute(await client.call('routes.list', {}), rest[0]!, values.path);
    const updated = await client.call('routes.update', {
      id: route.id,
      algorithm: values.algorithm as (typeof algorithms)[number] | undefined,
      settings: parseSettings(values.set),
    });
    const changed = Object.entries(updated.settings).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify((defaultRouteSettings as Record<string, unknown>)[key]));
    io.out(`Updated ${routeLabel(updated)}: ${updated.algorithm}${changed.map(([k, v]) => `, ${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join('')}`);
    return 0;
  }
  if (group === 'route' && action === 'remove') {
    expect(1, 'route remove HOST [--path P]');
    const route = findRoute(await client.call('routes.list', {}), rest[0]!, values.path);
    await client.call('routes.delete', { id: route.id });
    io.out(`Removed ${routeLabel(route)}`);
    return 0;
  }
  if (group === 'backend' && (action === 'add' || action === 'set' || action === 'remove' || action === 'enable' || action === 'disable' || action === 'drain')) {
    expect(2, `backend ${action} HOST URL [--path P]${action === 'add' || action === 'set' ? ' [--weight N] [--set KEY=VALUE ...]' : ''}`);
    const route = findRoute(await client.call('routes.list', {}), rest[0]!, values.path);
    const url = parseOrThrow(backendUrlSchema, rest[1]!);
    const weight = values.weight === undefined ? undefined : Number(values.weight);
    const health = parseSettings(values.set);
    if (action === 'add') {
      await client.call('backends.add', { routeId: route.id, url, weight, health });
      io.out(`Added backend ${url} to ${route.host}`);
      return 0;
    }
    const backend = route.backends.find((b) => b.url === url);
    if (!backend) {
      throw new SwitchyardError('BACKEND_NOT_FOUND', `${route.host} has no backend ${url}. Its backends: ${route.backends.map((b) => b.url).join(', ') || '(none)'}.`);
    }
    if (action === 'set') {
      const updated = await client.call('backends.update', { id: backend.id, weight, health });
      const own = updated.backends.find((b) => b.id === backend.id)!;
      io.out(`Updated backend ${url} of ${route.host}: weight ${own.weight}${Object.entries(own.health).map(([k, v]) => `, ${k}=${v}`).join('')}`);
      return 0;
    }
    if (action === 'remove') await client.call('backends.remove', { id: backend.id });
    else if (action === 'drain') await client.call('backends.drain', { id: backend.id });
    else await client.call('backends.setEnabled', { id: backend.id, enabled: action === 'enable' });
    const done = { remove: 'Removed', enable: 'Enabled', disable: 'Disabled', drain: 'Draining' }[action];
    io.out(`${done} backend ${url} of ${route.host}${action === 'drain' ? ': no new requests; `switchyard status` shows when it is drained' : ''}`);
    return 0;
  }
  throw new UsageError(`Unknown command "${positionals.join(' ')}". Run \`switchyard help\`.`);
}

type Client = ReturnType<typeof connect>;

/** `--route HOST[/PATH]` (or `--route HOST --path P`) as a route id; ROUTE_NOT_FOUND when there is none. */
async function routeIdOf(client: Client, arg: string, pathArg: string | undefined): Promise<number> {
  // A tcp:// or udp:// URL is a whole route name; a host's first slash starts its path.
  const slash = routeKindOf(arg) !== 'http' ? -1 : arg.indexOf('/');
  const host = slash < 0 ? arg : arg.slice(0, slash);
  const path = slash < 0 ? pathArg : arg.slice(slash);
  return findRoute(await client.call('routes.list', {}), host, path).id;
}

/**
 * `switchyard logs`: the last exchanges from the record, then with --follow
 * the new ones from the event stream until Ctrl+C, SIGTERM, or the serve
 * going away (exit 1 with a sentence, as `kubectl logs -f` does when the pod goes).
 */
async function logs(dataDir: string, client: Client, values: { follow?: boolean; route?: string; path?: string; json?: boolean; limit?: string }, io: CliIo): Promise<number> {
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) throw new UsageError(`--limit takes a whole number of exchanges, not "${values.limit}".`);
  const limit = values.limit === undefined ? defaultLogLimit : Number(values.limit);
  const routeId = values.route === undefined ? undefined : await routeIdOf(client, values.route, values.path);
  let lastId = 0;
  const show = (records: readonly TrafficRecord[]) => {
    for (const record of records) {
      // The stream carries every route's records and may repeat what the list already printed.
      if (record.id <= lastId || (routeId !== undefined && record.routeId !== routeId)) continue;
      lastId = record.id;
      io.out(values.json ? JSON.stringify(record) : formatRecord(record));
    }
  };
  if (!values.follow) {
    const { records, capacity } = await client.call('traffic.list', { routeId, limit });
    show(records);
    // Nothing kept is not the same as no traffic: say why the list is empty.
    if (capacity === 0) io.err('No exchanges are kept in memory (proxy setting trafficRecords is 0). Keep some with `switchyard settings --set trafficRecords=10000`, or use --follow or the access log.');
    return 0;
  }
  // The list is read once the stream is open, so nothing falls between the two.
  let listed = false;
  const ended = await watch(
    dataDir,
    (event) => {
      if (event.name !== 'traffic.added' || !listed) return;
      show(event.payload.records);
      if (event.payload.skipped > 0) {
        io.err(`… ${event.payload.skipped} exchanges${routeId === undefined ? '' : ' (of all routes)'} not shown: more than ${streamedPerSecond}/s; all are in the access log if it is on`);
      }
    },
    {
      endOnClose: true,
      onConnect: async () => {
        show((await client.call('traffic.list', { routeId, limit })).records);
        listed = true;
      },
    },
  );
  if (ended === 'signal') return 0;
  throw new SwitchyardError(
    'NOT_RUNNING',
    ended === policyViolation
      ? 'The admin token changed (`switchyard token rotate`), so the stream of exchanges ended. Run `switchyard logs --follow` again.'
      : `The connection to Switchyard ended: it stopped, or its admin API closed the stream of exchanges. Start it with \`switchyard serve${dataDir === resolveDataDir(undefined) ? '' : ` --data-dir ${dataDir}`}\`, then run \`switchyard logs --follow\` again.`,
  );
}

/**
 * Follows the event stream until Ctrl+C or SIGTERM ('signal'). By default a
 * serve that goes away is waited for (the client reconnects); with
 * `endOnClose` the first close ends it and returns the WebSocket close code,
 * and a failing step ends it with its error. `onConnect` runs in order with
 * the events, so what it prints comes before what they print.
 */
async function watch(
  dataDir: string,
  onEvent: (event: SwitchyardEvent) => Promise<void> | void,
  { onConnect, endOnClose = false }: { onConnect?: () => Promise<void>; endOnClose?: boolean } = {},
): Promise<'signal' | number> {
  const connection = readConnection(dataDir)!;
  const { default: WebSocket } = await import('ws');
  let end!: (how: 'signal' | number) => void;
  let fail!: (error: unknown) => void;
  const ended = new Promise<'signal' | number>((resolve, reject) => {
    end = resolve;
    fail = reject;
  });
  let queue = Promise.resolve();
  const run = (step: () => Promise<void> | void) => {
    queue = queue.then(step).catch(endOnClose ? fail : () => {});
  };
  const api = createAdminClient({
    baseUrl: connection.adminUrl,
    token: connection.token,
    createWebSocket: (url) => {
      const ws = new WebSocket(url);
      if (endOnClose) ws.once('close', (code) => end(code));
      return ws;
    },
    onConnect: onConnect && (() => run(onConnect)),
  });
  const unsubscribe = api.subscribe((event) => run(() => onEvent(event)));
  const onSignal = () => end('signal');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const how = await ended;
    // What arrived before the end is printed before the last sentence.
    await queue;
    return how;
  } finally {
    unsubscribe();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs the CLI; returns the exit code: 0 ok, 1 Switchyard refused or failed, 2 usage. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await runCommand(argv, io);
  } catch (error) {
    if (error instanceof SwitchyardError) {
      io.err(`switchyard: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`switchyard: ${(error as Error).message}\nRun \`switchyard help\` for usage.`);
      return 2;
    }
    io.err(`switchyard: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
