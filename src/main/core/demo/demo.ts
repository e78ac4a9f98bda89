import { Agent, request } from 'node:http';
import type { ListenerStatus } from '../../../shared/commands';
import { demoHost, type DemoStatus } from '../../../shared/demo';
import { SwitchyardError } from '../../../shared/errors';
import type { RunCommand } from '../project/project-plan';
import { closeDemoBackends, healthPath, startDemoBackends, type DemoBackend } from './demo-backends';

/** Requests a second the demo sends through the proxy: enough to fill the charts, far below any limit. */
const demoRequestsPerSecond = 5;
/** Past this many unanswered requests the demo waits (the slow backend holds them ~400 ms). */
const maxDemoInFlight = 8;

/**
 * Checks a second, two to go down or come back: the flaky backend's failing
 * spell takes it out at about 6 s and puts it back at about 11 s, the same
 * every time. Its random 503s reach the client and count as errors, but do
 * not eject it (no ejectOn5xx): an ejection at a random moment would hide the
 * health checks' verdict behind "ejected" for its 30 s.
 */
const demoSettings = {
  healthCheck: 'http',
  healthPath,
  healthIntervalMs: 1_000,
  healthTimeoutMs: 1_000,
  healthRise: 2,
  healthFall: 2,
} as const;

export interface DemoDeps {
  run: RunCommand;
  /** Where the proxy listens: the demo's own traffic goes through it, as a browser's would. */
  listeners: () => readonly ListenerStatus[];
}

/** The one-click demo: backends, a route for demo.localhost, and light traffic, all gone on stop. */
export class Demo {
  private backends: DemoBackend[] = [];
  private routeId: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private agent: Agent | undefined;
  private inFlight = 0;
  /** Start and stop run one at a time: a second click must not start a second set of servers. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DemoDeps) {}

  /** The demo route, which project files neither export nor prune. */
  get ownRouteIds(): ReadonlySet<number> {
    return new Set(this.routeId === undefined ? [] : [this.routeId]);
  }

  start(): Promise<DemoStatus> {
    return this.serially(() => this.startNow());
  }

  stop(): Promise<DemoStatus> {
    return this.serially(() => this.stopNow());
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  status(): DemoStatus {
    if (this.routeId === undefined) return { running: false, backends: [] };
    const http = this.httpListener();
    return {
      running: true,
      routeId: this.routeId,
      url: `http://${demoHost}${http && http.port !== 80 ? `:${http.port}` : ''}/`,
      backends: this.backends.map(({ url, behaviour }) => ({ url, behaviour })),
    };
  }

  private httpListener(): ListenerStatus | undefined {
    const http = this.deps.listeners().filter((listener) => listener.kind === 'http');
    return http.find((listener) => listener.address === '127.0.0.1') ?? http.find((listener) => listener.address === '::1');
  }

  private async startNow(): Promise<DemoStatus> {
    if (this.routeId !== undefined) {
      const routes = await this.deps.run('routes.list', {});
      if (routes.some((route) => route.id === this.routeId)) return this.status();
      // Its route was removed by hand: start afresh rather than run servers nobody routes to.
      await this.stopNow();
    }
    const listener = this.httpListener();
    if (!listener) throw new SwitchyardError('NOT_AVAILABLE', 'The demo sends its traffic to the HTTP listener on loopback (127.0.0.1 or ::1), and this Switchyard listens on other addresses only.');
    const backends = await startDemoBackends();
    try {
      const route = await this.deps.run('routes.create', {
        host: demoHost,
        algorithm: 'round-robin',
        settings: demoSettings,
        backends: backends.map(({ url }) => ({ url })),
      });
      this.backends = backends;
      this.routeId = route.id;
    } catch (error) {
      await closeDemoBackends(backends);
      if (error instanceof SwitchyardError && error.code === 'ROUTE_EXISTS') {
        throw new SwitchyardError('ROUTE_EXISTS', `A route for ${demoHost} already exists and is not the demo's. Remove it (switchyard route remove ${demoHost}) to try the demo.`);
      }
      throw error;
    }
    this.startTraffic(listener);
    return this.status();
  }

  private async stopNow(): Promise<DemoStatus> {
    if (this.routeId === undefined && this.backends.length === 0) {
      throw new SwitchyardError('NOT_RUNNING', `The demo is not running. A route for ${demoHost} left from an earlier run is an ordinary route now: remove it with \`switchyard route remove ${demoHost}\`.`);
    }
    clearInterval(this.timer);
    this.timer = undefined;
    this.agent?.destroy();
    this.agent = undefined;
    const routeId = this.routeId;
    this.routeId = undefined;
    if (routeId !== undefined) {
      try {
        await this.deps.run('routes.delete', { id: routeId });
      } catch (error) {
        // Removed by hand already: nothing left to remove.
        if (!(error instanceof SwitchyardError && error.code === 'ROUTE_NOT_FOUND')) throw error;
      }
    }
    const backends = this.backends;
    this.backends = [];
    await closeDemoBackends(backends);
    return this.status();
  }

  /** A browser's worth of requests through the proxy's own listener, so the charts move without the user's help. */
  private startTraffic(listener: ListenerStatus): void {
    this.agent = new Agent({ keepAlive: true, maxSockets: maxDemoInFlight });
    const agent = this.agent;
    this.timer = setInterval(() => {
      if (this.inFlight >= maxDemoInFlight) return;
      this.inFlight++;
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        this.inFlight--;
      };
      const sent = request({ host: listener.address, port: listener.port, path: '/', headers: { host: demoHost, 'user-agent': 'switchyard-demo' }, agent }, (response) => {
        response.resume();
        response.once('end', done);
        response.once('error', done);
      });
      // A refused or cut request is part of the show (the traffic view records it); nothing to do here.
      sent.once('error', done);
      sent.end();
    }, 1_000 / demoRequestsPerSecond);
    this.timer.unref();
  }
}
