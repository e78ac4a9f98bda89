import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { commands, isCommandName, type CommandName } from '../../shared/commands';
import { SwitchyardError, type Envelope } from '../../shared/errors';
import type { Problem, SwitchyardEvent, TimelineKind, TrafficSnapshot } from '../../shared/events';
import type { Route } from '../../shared/model';
import type { HealthState } from './health/health-state';
import { EventLog } from './store/event-log';
import { isStoreError, storeWriteError } from './store/store-errors';
import { Timeline } from './store/timeline';
import { version } from '../../../package.json';
import { createHandlers, type Handlers } from './api/handlers';
import { validate } from './api/validate';
import { Engine } from './engine/engine';
import { drained, healthEntry } from './wording';
import { openDatabase } from './store/database';
import { RouteRepository } from './store/route-repository';
import { SettingsRepository } from './store/settings-repository';
import { AccessLog } from './traffic/access-log';
import { Certificates } from './tls';
import { Demo } from './demo/demo';
import { HostCheck } from './hosts/host-check';
import type { RunCommand } from './project/project-plan';
import { cliPortNaming, type PortNaming } from './port-naming';
import { standardPortsProblem, takeStandardPorts, wantedPorts, type NamedPorts } from './standard-ports';

export const defaultHttpPort = 7800;
/** Caddy's and mkcert users' habit is 443; an unprivileged port needs no root (7443, beside 7800). */
export const defaultHttpsPort = 7443;
export const loopbackAddresses = ['127.0.0.1', '::1'] as const;
/** Health-driven live pushes are at least this far apart (see pushLive). */
const minPushIntervalMs = 250;

export interface CoreOptions {
  dataDir: string;
  httpPort?: number;
  /** The HTTPS listener's port (0 picks one); without it there is no HTTPS listener. The shells pass defaultHttpsPort. */
  httpsPort?: number;
  /** The clock certificates are issued and renewed by; tests move it. */
  now?: () => Date;
  /** Listen addresses; loopback unless the user opts in to more. */
  httpAddresses?: readonly string[];
  nativeBinding?: string;
  log?: (line: string) => void;
  /** The shell that serves the admin API replaces its token (`token.rotate`); without one the command is refused. */
  rotateToken?: () => { uiUrl: string };
  /** The shell can show the OS's password prompt (the desktop app), so `certificates.installTrust` may run the system's command. */
  canPromptForTrust?: boolean;
  /**
   * The shells say which ports the user named (flag, environment variable);
   * the others follow the useStandardPorts setting. Without it the setting
   * is not read (tests and embedders name their ports).
   */
  namedPorts?: NamedPorts;
  /** How the shell's user sets each port (flags, environment variables), for errors that say how to choose another; the CLI's flags without it. */
  portNaming?: PortNaming;
}

export const databaseFile = (dataDir: string) => join(dataDir, 'switchyard.db');
/** Routes with cacheStorage disk keep their responses here, one folder per route (nginx's proxy_cache_path). */
export const cacheFolder = (dataDir: string) => join(dataDir, 'cache');

/**
 * The product: store + engine behind the command table. Both shells host
 * exactly this object and only translate their transport to `execute`.
 */
export class Core {
  /** `newListener` and `removeListener` are Node's own: the core starts and stops work that only listeners need. */
  readonly events = new EventEmitter<{ event: [SwitchyardEvent]; newListener: [string | symbol]; removeListener: [string | symbol] }>();
  readonly engine: Engine;
  private readonly db: Database.Database;
  private readonly routes: RouteRepository;
  private readonly settings: SettingsRepository;
  private readonly timeline: Timeline;
  private readonly accessLog: AccessLog;
  private readonly handlers: Handlers;
  /** The one-click demo's servers and route; stopped with the core. */
  private readonly demo: Demo;
  /** The local CA, opened in `start`. */
  private certificates: Certificates | undefined;
  private readonly startedAt = new Date().toISOString();
  private revision = 0;
  /** The routes the engine runs, as last read from the store: the 1 s timer and health events read these, not SQLite. */
  private config: Route[] = [];
  private trafficTimer: NodeJS.Timeout | undefined;
  /** What this start asked for (Status.requestedPorts). */
  private requestedPorts: { useStandardPorts: boolean; http: number; https?: number };
  /** A standard port that gave way to the usual one at start: shown until the next start. */
  private portsProblem: Problem | undefined;

  /** Stops the batches of new traffic records; set while anyone listens to events. */
  private stopTrafficFeed: (() => void) | undefined;

  private constructor(private readonly options: CoreOptions) {
    this.requestedPorts = { useStandardPorts: false, http: options.httpPort ?? defaultHttpPort, https: options.httpsPort };
    this.db = openDatabase(databaseFile(options.dataDir), { nativeBinding: options.nativeBinding });
    this.routes = new RouteRepository(this.db);
    this.settings = new SettingsRepository(this.db);
    this.timeline = new Timeline(this.db, new EventLog(this.db), () => this.emit({ name: 'problems.changed', payload: this.problems() }));
    this.engine = new Engine({
      onHealth: (backendId, routeId, before, after) => this.onHealth(backendId, routeId, before, after),
      onDrained: (backendId, routeId) => this.onDrained(backendId, routeId),
      onError: (context, error) => this.logError(context, error),
      onProblems: () => this.emit({ name: 'problems.changed', payload: this.problems() }),
    }, { dir: cacheFolder(options.dataDir), log: (line) => options.log?.(line) });
    this.accessLog = new AccessLog({
      dataDir: options.dataDir,
      subscribe: (listener) => this.engine.records.subscribe(listener, { complete: true }),
      onProblem: () => this.emit({ name: 'problems.changed', payload: this.problems() }),
      log: options.log,
    });
    // Commands made of other commands (project files, the demo) run them as a client would, through execute.
    const run: RunCommand = async (name, input) => {
      const answer = await this.run(name, input);
      if (!answer.ok) throw new SwitchyardError(answer.error.code, answer.error.message, answer.error.field);
      return answer.result;
    };
    this.demo = new Demo({ run, listeners: () => this.engine.listeners() });
    this.handlers = createHandlers({
      run,
      demo: this.demo,
      hostCheck: new HostCheck(),
      routes: this.routes,
      timeline: this.timeline,
      live: () => this.live(),
      history: (routeId, seconds) => this.engine.routeHistory(routeId, seconds),
      ownListeners: () => this.engine.listeners(),
      status: () => ({
        version,
        dataDir: options.dataDir,
        startedAt: this.startedAt,
        listeners: this.engine.listeners(),
        problems: this.problems(),
        requestedPorts: this.requestedPorts,
      }),
      configChanged: (what, routeId, backendId) => {
        this.publishConfig();
        this.record('config', what, routeId, backendId ?? null);
      },
      settings: this.settings,
      settingsChanged: (settings, what) => {
        this.engine.setLimits(settings);
        this.accessLog.configure(settings);
        this.record('config', what, null, null);
      },
      traffic: this.engine.records,
      cache: this.engine.cache,
      certificates: {
        certificates: () => {
          if (!this.certificates) throw new SwitchyardError('NOT_AVAILABLE', 'The local CA is still opening: try again in a moment.');
          return this.certificates;
        },
        domains: { get: () => this.settings.certificateDomains(), set: (domains) => this.settings.setCertificateDomains(domains) },
        changed: (what) => {
          this.emit({ name: 'certificates.changed', payload: { what } });
          this.record('config', what, null, null);
        },
        canPromptForTrust: options.canPromptForTrust ?? false,
        now: () => options.now?.() ?? new Date(),
      },
      rotateToken: () => {
        if (!options.rotateToken) {
          throw new SwitchyardError('NOT_AVAILABLE', 'This Switchyard serves no admin API, so it has no token to rotate: the desktop window talks to its core directly.');
        }
        return options.rotateToken();
      },
    });
  }

  /** Opens the store and starts the listeners; throws a SwitchyardError on failure. */
  static async start(options: CoreOptions): Promise<Core> {
    const core = new Core(options);
    try {
      const certificates = await Certificates.open({ dataDir: options.dataDir, domains: core.settings.certificateDomains(), now: options.now });
      core.certificates = certificates;
      core.config = core.routes.list();
      core.engine.apply(core.config, core.revision);
      const addresses = options.httpAddresses ?? loopbackAddresses;
      const usual = { http: options.httpPort ?? defaultHttpPort, https: options.httpsPort };
      const useStandardPorts = options.namedPorts !== undefined && core.settings.proxy().useStandardPorts;
      const wanted = wantedPorts(usual, useStandardPorts, options.namedPorts ?? { http: true, https: true });
      core.requestedPorts = { useStandardPorts, ...wanted };
      const portNaming = options.portNaming ?? cliPortNaming;
      const { ports, refused } = await takeStandardPorts(addresses, usual, wanted, portNaming);
      await core.engine.listen({
        addresses,
        port: ports.http,
        limits: core.settings.proxy(),
        https: ports.https === undefined ? undefined : { port: ports.https, ca: () => certificates.ca, now: options.now },
        portNaming,
      });
      const bound = core.engine.listeners();
      core.portsProblem = standardPortsProblem(refused, { http: bound[0]!.port, https: bound.find((l) => l.kind === 'https')?.port });
      core.accessLog.configure(core.settings.proxy());
      core.startTrafficEvents();
      core.feedTrafficWhileListened();
      return core;
    } catch (error) {
      core.db.close();
      throw error;
    }
  }

  /**
   * Validates and runs one command; never rejects. Store commands run
   * synchronously (SQLite is synchronous) before the first await; certificate
   * commands sign and read files, so the answer is a promise.
   */
  execute(name: string, input: unknown): Promise<Envelope<unknown>> {
    return this.dispatch(name, input);
  }

  private async dispatch(name: string, input: unknown): Promise<Envelope<unknown>> {
    try {
      if (!isCommandName(name)) {
        throw new SwitchyardError('UNKNOWN_COMMAND', `There is no command named "${name}".`);
      }
      const parsed = validate(commands[name].input, input);
      const handler = this.handlers[name] as (input: unknown) => unknown;
      const result = await handler(parsed);
      // A new or moved TCP route listens (or is reported as a problem) before the command answers.
      await this.engine.listenersSettled();
      return { ok: true, result };
    } catch (error) {
      if (error instanceof SwitchyardError) return { ok: false, error: error.toPayload() };
      // The write was rolled back: say why the disk or another program refused it.
      if (isStoreError(error)) return { ok: false, error: storeWriteError(error).toPayload() };
      this.logError(`command ${name}`, error);
      return { ok: false, error: { code: 'INTERNAL', message: `Switchyard hit an unexpected error: ${(error as Error).message}` } };
    }
  }

  /** Typed in-process call, for tests and the shells' own use. */
  async run<N extends CommandName>(name: N, input: unknown) {
    return this.execute(name, input) as Promise<Envelope<NonNullable<(typeof commands)[N]['result']>>>;
  }

  private stopped = false;

  async stop(): Promise<void> {
    // The demo's route goes with its servers: left in the store it would point at ports nobody holds.
    if (this.demo.status().running) {
      try {
        await this.demo.stop();
      } catch (error) {
        this.logError('stopping the demo', error);
      }
    }
    this.stopped = true;
    clearInterval(this.trafficTimer);
    clearTimeout(this.pushTimer);
    this.stopTrafficFeed?.();
    await this.engine.close();
    await this.accessLog.close();
    this.events.removeAllListeners();
    try {
      this.timeline.stop();
    } catch (error) {
      this.logError('saving the last history entries', error);
    }
    this.db.close();
  }

  private problems(): Problem[] {
    const history = this.timeline.problem();
    const accessLog = this.accessLog.problem();
    return [
      ...(history ? [{ code: 'HISTORY_NOT_SAVED' as const, message: history }] : []),
      ...(accessLog ? [{ code: 'ACCESS_LOG_FAILED' as const, message: accessLog }] : []),
      ...(this.portsProblem ? [this.portsProblem] : []),
      ...this.engine.problems(),
    ];
  }

  private logError(context: string, error: unknown): void {
    // An expected refusal (a route host outside the CA's names) is a sentence, not a crash report.
    if (error instanceof SwitchyardError) return this.options.log?.(`${context}: ${error.message}`);
    this.options.log?.(`${context} failed unexpectedly (Switchyard keeps running): ${(error as Error)?.stack ?? String(error)}`);
  }

  /** Subscribers (UI transports) must not be able to break the code that emits. */
  private emit(event: SwitchyardEvent): void {
    try {
      this.events.emit('event', event);
    } catch (error) {
      this.logError(`sending ${event.name}`, error);
    }
  }

  private live(): TrafficSnapshot {
    return { at: new Date().toISOString(), backends: this.engine.backendStats(this.config), routes: this.engine.routeStats(this.config) };
  }

  /** Notes an event on the timeline; history that cannot be saved waits in memory (see Timeline), it never fails the caller. */
  private record(kind: TimelineKind, message: string, routeId: number | null, backendId: number | null): void {
    try {
      this.emit({ name: 'timeline.added', payload: this.timeline.add(kind, message, routeId, backendId) });
    } catch (error) {
      this.logError(`recording "${message}"`, error);
    }
  }

  private pushTimer: NodeJS.Timeout | undefined;
  private lastPush = 0;
  /** Backends whose status changed since the last push: the next push carries only these, unless a full one is due. */
  private readonly changedBackends = new Set<number>();
  private fullPushDue = false;

  /**
   * A status change is pushed at once after a quiet spell, then at most every
   * `minPushIntervalMs` with the changes in between coalesced: 200 backends
   * failing their checks would otherwise push dozens of times a second. A
   * push for backends' changes carries only those backends and their routes
   * (issue 11: a full snapshot of 500 backends is ~250 KB of JSON); without
   * a backend (config changed, a drain ended) everything is pushed. Nothing
   * is built or kept when no UI listens: a UI that connects loads it all.
   */
  private pushLive(changedBackend?: number): void {
    if (this.events.listenerCount('event') === 0) return;
    if (changedBackend === undefined) this.fullPushDue = true;
    else this.changedBackends.add(changedBackend);
    if (this.pushTimer) return;
    this.pushTimer = setTimeout(
      () => {
        this.pushTimer = undefined;
        if (this.stopped || this.events.listenerCount('event') === 0) {
          this.changedBackends.clear();
          this.fullPushDue = false;
        } else if (this.fullPushDue) this.sendLive();
        else this.sendChanged();
      },
      Math.max(0, this.lastPush + minPushIntervalMs - Date.now()),
    );
    this.pushTimer.unref();
  }

  /** Builds and sends the whole live status; both pushes (health, traffic) count towards the health push's spacing. */
  private sendLive(): void {
    this.lastPush = Date.now();
    this.changedBackends.clear();
    this.fullPushDue = false;
    this.emit({ name: 'backends.changed', payload: { ...this.live(), complete: true } });
  }

  /** Sends the status of the backends that changed since the last push, and of their routes (who receives traffic). */
  private sendChanged(): void {
    if (this.changedBackends.size === 0) return;
    this.lastPush = Date.now();
    const changed = new Set(this.changedBackends);
    this.changedBackends.clear();
    const routes = this.config.filter((route) => route.backends.some((b) => changed.has(b.id)));
    this.emit({
      name: 'backends.changed',
      payload: { at: new Date().toISOString(), backends: this.engine.backendStats(routes, changed), routes: this.engine.routeStats(routes), complete: false },
    });
  }

  private backendUrl(routeId: number, backendId: number): string {
    return this.config.find((r) => r.id === routeId)?.backends.find((b) => b.id === backendId)?.url ?? `backend ${backendId}`;
  }

  private onHealth(backendId: number, routeId: number, before: HealthState, after: HealthState): void {
    this.pushLive(backendId);
    const entry = healthEntry(this.backendUrl(routeId, backendId), before, after);
    if (entry) this.record(entry.kind, entry.message, routeId, backendId);
  }

  /** New traffic records go out in batches only while a UI or `logs --follow` listens: nobody listening costs nothing. */
  private feedTrafficWhileListened(): void {
    this.events.on('newListener', (name) => {
      if (name !== 'event' || this.stopTrafficFeed) return;
      this.stopTrafficFeed = this.engine.records.subscribe((batch) => this.emit({ name: 'traffic.added', payload: batch }));
    });
    this.events.on('removeListener', (name) => {
      if (name !== 'event' || this.events.listenerCount('event') > 0) return;
      this.stopTrafficFeed?.();
      this.stopTrafficFeed = undefined;
    });
  }

  /** Pushes live status once a second while traffic flows (silent when idle). */
  private startTrafficEvents(): void {
    let sent = this.engine.statsVersion();
    let busy = false;
    this.trafficTimer = setInterval(() => {
      const version = this.engine.statsVersion();
      // While the last minute holds traffic its figures (rates, shares, error
      // rates) move without new traffic; one more push once it is empty shows
      // them at zero, then nothing until traffic returns.
      if ((version === sent && !busy) || this.events.listenerCount('event') === 0) return;
      sent = version;
      busy = this.engine.statsWindowBusy();
      this.sendLive();
    }, 1_000);
    this.trafficTimer.unref();
  }

  /** The engine saw a draining backend's last request end: noted at that moment, not at a poll. */
  private onDrained(backendId: number, routeId: number): void {
    this.record('drained', drained(this.backendUrl(routeId, backendId)), routeId, backendId);
    this.pushLive(backendId);
  }

  private publishConfig(): void {
    this.revision += 1;
    this.config = this.routes.list();
    this.engine.apply(this.config, this.revision);
    this.emit({ name: 'config.changed', payload: { revision: this.revision, routes: this.config } });
    // Who gets traffic, and each backend's status, may have changed with it.
    this.pushLive();
  }
}
