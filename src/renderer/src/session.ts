import type { SwitchyardApi } from '../../shared/api';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import type { Envelope, ErrorPayload } from '../../shared/errors';
import type { Route } from '../../shared/model';
import { resolveApi } from './api';
import type { Invoke } from './api-context';
import { LiveStore, timelineKept } from './live-store';
import { TrafficStore } from './traffic-store';

/** Commands that answer with the route they changed. */
const routeAnswers = new Set<CommandName>([
  'routes.create',
  'routes.update',
  'backends.add',
  'backends.update',
  'backends.setEnabled',
  'backends.drain',
  'backends.remove',
]);

/** Commands whose every error the Certificates view shows beside the button or field that sent it (NOT_AVAILABLE with its command, a refused name). */
const certificateActions = new Set<CommandName>([
  'certificates.issue',
  'certificates.regenerate',
  'certificates.remove',
  'certificates.setDomains',
  'certificates.addDomain',
  'certificates.removeDomain',
  'certificates.installTrust',
]);

/** A call that threw instead of answering, as an error answer the banner shows. */
function failedCall(what: string, error: unknown): ErrorPayload {
  const reason = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `Switchyard could not run ${what} (${reason}). Reload the window; if it happens again, restart Switchyard.` };
}

export interface Session {
  /** Undefined when the page was opened without the token (the app says how to get it). */
  api: SwitchyardApi | undefined;
  store: LiveStore;
  /** The Traffic view's records, fed by `traffic.added`. */
  traffic: TrafficStore;
  invoke: Invoke;
  /** Subscribes to the core's events and loads everything; returns the unsubscribe. */
  start(): () => void;
}

/** The UI's link to the core: one store fed by pushes, reloaded whole whenever the event stream (re)opens. */
export function createSession(): Session {
  const store = new LiveStore();

  const refresh = async () => {
    if (!api) return;
    const [list, state, counters, events] = await Promise.all([
      api.invoke('routes.list', {}),
      api.invoke('status', {}),
      api.invoke('backends.live', {}),
      api.invoke('timeline.list', { limit: timelineKept }),
    ]);
    if (events.ok) store.setTimeline(events.result);
    if (list.ok) store.setRoutes(list.result);
    else store.setCommandError(list.error);
    if (state.ok) store.setStatus(state.result);
    if (counters.ok) store.setTraffic(counters.result);
  };
  // The rejection is shown in the banner, like a command's error.
  const refreshShown = () => void refresh().catch((error: unknown) => store.setCommandError(failedCall('a refresh', error)));

  const api = resolveApi({
    onConnect: () => {
      store.setConnection('online');
      refreshShown();
      traffic.connected();
    },
    onDisconnect: () => store.setConnection('offline'),
  });

  // Never rejects, so components may `void` it: a call that fails (an IPC
  // error, a core that cannot be reached) comes back as an error answer.
  const invoke: Invoke = async <N extends CommandName>(name: N, input: CommandInput<N>): Promise<Envelope<CommandResult<N>>> => {
    let answer: Envelope<CommandResult<N>>;
    try {
      if (!api) throw new Error('no api');
      answer = await api.invoke(name, input);
    } catch (error) {
      answer = { ok: false, error: failedCall(name, error) };
    }
    // Field errors are shown by the form that owns the field; the rest in the banner.
    if (!answer.ok) {
      // A trace asked for after the ring moved past it is said in the trace pane, not as a page error.
      const shownInPlace = Boolean(answer.error.field) || answer.error.code === 'RECORD_NOT_FOUND' || certificateActions.has(name);
      if (!shownInPlace) store.setCommandError(answer.error);
      return answer;
    }
    store.setCommandError(undefined);
    // Show the outcome at once; the config.changed event confirms it, and
    // keeps the view right should the event stream be down.
    if (name === 'routes.delete') store.removeRoute((answer.result as { id: number }).id);
    else if (routeAnswers.has(name)) store.putRoute(answer.result as Route);
    return answer;
  };
  const traffic = new TrafficStore(invoke);

  const start = () => {
    if (!api) return () => {};
    refreshShown();
    return api.subscribe((event) => {
      switch (event.name) {
        case 'config.changed':
          return store.setRoutes(event.payload.routes);
        case 'backends.changed':
          return store.setTraffic(event.payload);
        case 'timeline.added':
          return store.addTimeline(event.payload);
        case 'problems.changed':
          return store.setProblems(event.payload);
        case 'traffic.added':
          return traffic.add(event.payload);
        case 'certificates.changed':
          return store.certificatesChanged();
      }
    });
  };

  return { api, store, traffic, invoke, start };
}
