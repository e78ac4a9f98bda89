import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { commands, isCommandName, type CommandName } from '../../shared/commands';
import { SwitchyardError, type Envelope } from '../../shared/errors';
import type { SwitchyardEvent, TrafficSnapshot } from '../../shared/events';
import { version } from '../../../package.json';
import { createHandlers, type Handlers } from './api/handlers';
import { validate } from './api/validate';
import { Engine } from './engine/engine';
import { openDatabase } from './store/database';
import { RouteRepository } from './store/route-repository';

export const defaultHttpPort = 7800;
export const loopbackAddresses = ['127.0.0.1', '::1'] as const;

export interface CoreOptions {
  dataDir: string;
  httpPort?: number;
  /** Listen addresses; loopback unless the user opts in to more. */
  httpAddresses?: readonly string[];
  requestHeaderTimeoutMs?: number;
  maxHeaderBytes?: number;
  nativeBinding?: string;
  log?: (line: string) => void;
}

export const databaseFile = (dataDir: string) => join(dataDir, 'switchyard.db');

/**
 * The product: store + engine behind the command table. Both shells host
 * exactly this object and only translate their transport to `execute`.
 */
export class Core {
  readonly events = new EventEmitter<{ event: [SwitchyardEvent] }>();
  readonly engine = new Engine();
  private readonly db: Database.Database;
  private readonly routes: RouteRepository;
  private readonly handlers: Handlers;
  private readonly startedAt = new Date().toISOString();
  private revision = 0;
  private trafficTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: CoreOptions) {
    this.db = openDatabase(databaseFile(options.dataDir), { nativeBinding: options.nativeBinding });
    this.routes = new RouteRepository(this.db);
    this.handlers = createHandlers({
      routes: this.routes,
      traffic: () => this.traffic(),
      status: () => ({
        version,
        dataDir: options.dataDir,
        startedAt: this.startedAt,
        listeners: this.engine.listeners(),
      }),
      configChanged: () => this.publishConfig(),
    });
  }

  /** Opens the store and starts the listeners; throws a SwitchyardError on failure. */
  static async start(options: CoreOptions): Promise<Core> {
    const core = new Core(options);
    try {
      core.engine.apply(core.routes.list(), core.revision);
      await core.engine.listen({
        addresses: options.httpAddresses ?? loopbackAddresses,
        port: options.httpPort ?? defaultHttpPort,
        requestHeaderTimeoutMs: options.requestHeaderTimeoutMs,
        maxHeaderBytes: options.maxHeaderBytes,
      });
      core.startTrafficEvents();
      return core;
    } catch (error) {
      core.db.close();
      throw error;
    }
  }

  /** Validates and runs one command; never throws. */
  async execute(name: string, input: unknown): Promise<Envelope<unknown>> {
    try {
      if (!isCommandName(name)) {
        throw new SwitchyardError('UNKNOWN_COMMAND', `There is no command named "${name}".`);
      }
      const parsed = validate(commands[name].input, input);
      const handler = this.handlers[name] as (input: unknown) => unknown;
      return { ok: true, result: handler(parsed) };
    } catch (error) {
      if (error instanceof SwitchyardError) return { ok: false, error: error.toPayload() };
      this.options.log?.(`command ${name} failed: ${(error as Error).stack ?? error}`);
      return { ok: false, error: { code: 'INTERNAL', message: `Switchyard hit an unexpected error: ${(error as Error).message}` } };
    }
  }

  /** Typed in-process call, for tests and the shells' own use. */
  async run<N extends CommandName>(name: N, input: unknown) {
    return this.execute(name, input) as Promise<Envelope<NonNullable<(typeof commands)[N]['result']>>>;
  }

  async stop(): Promise<void> {
    clearInterval(this.trafficTimer);
    await this.engine.close();
    this.events.removeAllListeners();
    this.db.close();
  }

  private traffic(): TrafficSnapshot {
    return { at: new Date().toISOString(), backends: this.engine.stats(this.routes.list()) };
  }

  /** Pushes counters once a second while traffic flows; silent when idle. */
  private startTrafficEvents(): void {
    let sent = this.engine.statsVersion();
    this.trafficTimer = setInterval(() => {
      const version = this.engine.statsVersion();
      if (version === sent || this.events.listenerCount('event') === 0) return;
      sent = version;
      this.events.emit('event', { name: 'traffic.changed', payload: this.traffic() });
    }, 1_000);
    this.trafficTimer.unref();
  }

  private publishConfig(): void {
    this.revision += 1;
    const routes = this.routes.list();
    this.engine.apply(routes, this.revision);
    this.events.emit('event', { name: 'config.changed', payload: { revision: this.revision, routes } });
  }
}
