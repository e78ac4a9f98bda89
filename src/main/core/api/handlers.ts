import type { CommandName, CommandResult, ParsedCommandInput } from '../../../shared/commands';
import type { RouteRepository } from '../store/route-repository';
import type { Status } from '../../../shared/commands';
import type { TrafficSnapshot } from '../../../shared/events';

export type Handlers = {
  [N in CommandName]: (input: ParsedCommandInput<N>) => CommandResult<N>;
};

export interface HandlerDeps {
  routes: RouteRepository;
  traffic(): TrafficSnapshot;
  status(): Omit<Status, 'routeCount' | 'backendCount'>;
  /** Rebuilds the routing table and tells every UI; called after each write. */
  configChanged(): void;
}

/** One handler per command; the type makes a missing one a compile error. */
export function createHandlers({ routes, traffic, status, configChanged }: HandlerDeps): Handlers {
  const write = <T>(result: T): T => {
    configChanged();
    return result;
  };
  return {
    status: () => {
      const all = routes.list();
      return { ...status(), routeCount: all.length, backendCount: all.reduce((n, r) => n + r.backends.length, 0) };
    },
    'traffic.get': () => traffic(),
    'routes.list': () => routes.list(),
    'routes.create': (input) => write(routes.create(input)),
    'routes.update': (input) => write(routes.update(input)),
    'routes.delete': ({ id }) => {
      routes.delete(id);
      return write({ id });
    },
    'backends.add': (input) => write(routes.addBackend(input)),
    'backends.update': ({ id, ...change }) => write(routes.updateBackend(id, change)),
    'backends.setEnabled': ({ id, enabled }) => write(routes.updateBackend(id, { enabled })),
    'backends.remove': ({ id }) => write(routes.removeBackend(id)),
  };
}
