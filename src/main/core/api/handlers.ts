import type { CommandName, CommandResult, ParsedCommandInput } from '../../../shared/commands';
import type { RouteRepository } from '../store/route-repository';
import type { ListenerStatus, Status } from '../../../shared/commands';
import type { RouteHistory, TrafficSnapshot } from '../../../shared/events';
import type { Route } from '../../../shared/model';
import type { Timeline } from '../store/timeline';
import * as wording from '../wording';
import { refuseProxyLoop } from '../engine/routing/proxy-loop';
import type { SettingsRepository } from '../store/settings-repository';
import type { ProxySettings } from '../../../shared/proxy-settings';
import { SwitchyardError } from '../../../shared/errors';
import type { RecordRing } from '../engine/traffic/record-ring';
import { createCertificateHandlers, type CertificateDeps } from './certificate-handlers';
import { createCacheHandlers, type CacheDeps } from './cache-handlers';
import { exportConfig } from '../export';
import { createProjectHandlers } from './project-handlers';
import type { RunCommand } from '../project/project-plan';
import type { Demo } from '../demo/demo';
import type { HostCheck } from '../hosts/host-check';

/** Most commands answer at once (SQLite is synchronous); certificate commands sign and check files, so may answer later. */
export type Handlers = {
  [N in CommandName]: (input: ParsedCommandInput<N>) => CommandResult<N> | Promise<CommandResult<N>>;
};

export interface HandlerDeps {
  routes: RouteRepository;
  timeline: Pick<Timeline, 'list'>;
  // Properties, not methods: createHandlers destructures them, so they must not depend on `this`.
  live: () => TrafficSnapshot;
  /** A route's last seconds of traffic, for its charts. */
  history: (routeId: number, seconds: number) => RouteHistory;
  status: () => Omit<Status, 'routeCount' | 'backendCount'>;
  /** Switchyard's own HTTP listeners: a backend pointing at one would loop. */
  ownListeners: () => readonly ListenerStatus[];
  /** Rebuilds the routing table, logs `what` on the route's timeline and tells every UI; after each write. */
  configChanged: (what: string, routeId: number | null, backendId?: number | null) => void;
  settings: SettingsRepository;
  /** Applies new listener limits to the running listeners and notes `what` on the timeline. */
  settingsChanged: (settings: ProxySettings, what: string) => void;
  /** Replaces the admin token; the shell that serves the admin API provides it. */
  rotateToken: () => { uiUrl: string };
  /** The engine's last exchanges. */
  traffic: Pick<RecordRing, 'list' | 'get' | 'clear' | 'capacity'>;
  /** The local CA and what the certificate commands need around it. */
  certificates: Omit<CertificateDeps, 'routes'>;
  /** The engine's HTTP cache, for its counters and purges. */
  cache: CacheDeps['cache'];
  /** Runs another command as a client would (validated, answered once listeners settle): project files and the demo are made of commands. */
  run: RunCommand;
  demo: Demo;
  hostCheck: HostCheck;
}

const backendUrl = (route: Route, id: number) => route.backends.find((b) => b.id === id)?.url ?? `backend ${id}`;

/** One handler per command; the type makes a missing one a compile error. */
export function createHandlers({ routes, timeline, live, history, status, ownListeners, configChanged, settings, settingsChanged, rotateToken, traffic, certificates, cache, run, demo, hostCheck }: HandlerDeps): Handlers {
  /** Runs a write and reports it; the message is built from the result. */
  const write = <T>(result: T, what: string, routeId: number | null, backendId: number | null = null): T => {
    configChanged(what, routeId, backendId);
    return result;
  };
  const routeOfBackend = (id: number) => routes.list().find((r) => r.backends.some((b) => b.id === id));
  return {
    ...createCertificateHandlers({ ...certificates, routes: () => routes.list() }),
    ...createCacheHandlers({ cache, routes: () => routes.list(), route: (id) => routes.get(id) }),
    ...createProjectHandlers({
      routes: () => routes.list(),
      settings: () => settings.proxy(),
      domains: () => certificates.domains.get(),
      ownedElsewhere: () => demo.ownRouteIds,
      ownListeners,
      run,
      applied: (what) => configChanged(what, null),
    }),
    'demo.start': () => demo.start(),
    'demo.stop': () => demo.stop(),
    'hosts.check': ({ host }) => hostCheck.check(host),
    status: () => {
      const all = routes.list();
      return { ...status(), routeCount: all.length, backendCount: all.reduce((n, r) => n + r.backends.length, 0) };
    },
    'backends.live': () => live(),
    'routes.export': ({ format }) => exportConfig(format, routes.list()),
    'routes.history': ({ routeId, seconds }) => {
      routes.get(routeId);
      return history(routeId, seconds);
    },
    'settings.get': () => settings.proxy(),
    'settings.update': (patch) => {
      const updated = settings.updateProxy(patch);
      settingsChanged(updated, wording.proxySettingsChanged(patch, updated));
      return updated;
    },
    'token.rotate': () => rotateToken(),
    'timeline.list': ({ routeId, limit }) => timeline.list(routeId, limit),
    'traffic.list': (query) => ({ records: traffic.list(query), capacity: traffic.capacity }),
    'traffic.get': ({ id }) => {
      const trace = traffic.get(id);
      if (!trace) throw new SwitchyardError('RECORD_NOT_FOUND', `Exchange ${id} is no longer kept: only the last ${traffic.capacity} are (proxy setting trafficRecords). Pick a newer one.`, 'id');
      return trace;
    },
    'traffic.clear': () => ({ cleared: traffic.clear() }),
    'routes.list': () => routes.list(),
    'routes.create': (input) => {
      input.backends.forEach((b, i) => refuseProxyLoop(b.url, ownListeners(), `backends.${i}.url`));
      const route = routes.create(input);
      return write(route, wording.routeCreated(route), route.id);
    },
    'routes.update': (input) => {
      const route = routes.update(input);
      return write(route, wording.routeChanged(route, input), route.id);
    },
    'routes.delete': ({ id }) => {
      const route = routes.get(id);
      routes.delete(id);
      return write({ id }, wording.routeDeleted(route), id);
    },
    'backends.add': (input) => {
      refuseProxyLoop(input.url, ownListeners(), 'url');
      const route = routes.addBackend(input);
      const added = route.backends.find((b) => b.url === input.url)!;
      return write(route, wording.backendAdded(added.url), route.id, added.id);
    },
    'backends.update': ({ id, ...change }) => {
      if (change.url !== undefined) refuseProxyLoop(change.url, ownListeners(), 'url');
      const route = routes.updateBackend(id, change);
      return write(route, wording.backendChanged(backendUrl(route, id), change), route.id, id);
    },
    'backends.setEnabled': ({ id, enabled }) => {
      const route = routes.updateBackend(id, { enabled });
      return write(route, wording.backendSwitched(backendUrl(route, id), enabled), route.id, id);
    },
    'backends.drain': ({ id }) => {
      const route = routes.updateBackend(id, { draining: true });
      return write(route, wording.backendDraining(backendUrl(route, id)), route.id, id);
    },
    'backends.remove': ({ id }) => {
      const owner = routeOfBackend(id);
      const url = owner ? backendUrl(owner, id) : `backend ${id}`;
      const route = routes.removeBackend(id);
      return write(route, wording.backendRemoved(url), route.id, id);
    },
  };
}
