import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SwitchyardApi } from '../../shared/api';
import type { CommandInput, CommandName, CommandResult, Status } from '../../shared/commands';
import type { Envelope, ErrorPayload } from '../../shared/errors';
import type { BackendStats, Problem, RouteLive, TimelineEntry, TrafficSnapshot } from '../../shared/events';

const timelineKept = 300;
import type { Route } from '../../shared/model';
import { resolveApi } from './api';
import { ApiContext, type Invoke } from './api-context';
import { NewRouteForm } from './components/NewRouteForm';
import { RouteCard } from './components/RouteCard';

/** A call that threw instead of answering, as an error answer the banner shows. */
function failedCall(what: string, error: unknown): ErrorPayload {
  const reason = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `Switchyard could not run ${what} (${reason}). Reload the window; if it happens again, restart Switchyard.` };
}

function applyResult(list: Route[] | undefined, name: CommandName, result: unknown): Route[] | undefined {
  if (!list) return list;
  if (name === 'routes.delete') return list.filter((r) => r.id !== (result as { id: number }).id);
  if (name === 'routes.list' || name === 'status') return list;
  const route = result as Route;
  const index = list.findIndex((r) => r.id === route.id);
  if (index === -1) return [...list, route].sort((a, b) => a.host.localeCompare(b.host) || a.path.localeCompare(b.path));
  return list.map((r) => (r.id === route.id ? route : r));
}

export function App() {
  const [routes, setRoutes] = useState<Route[] | undefined>();
  const [status, setStatus] = useState<Status | undefined>();
  const [problem, setProblem] = useState<ErrorPayload | undefined>();
  const [traffic, setTraffic] = useState<Record<string, BackendStats>>({});
  const [routeLive, setRouteLive] = useState<Record<string, RouteLive>>({});
  const applyLive = useCallback((live: TrafficSnapshot) => {
    setTraffic(live.backends);
    setRouteLive(live.routes);
  }, []);
  const [timeline, setTimeline] = useState<TimelineEntry[]>([]);
  /** Problems of Switchyard itself (history not saved...), until the core says they are gone. */
  const [appProblems, setAppProblems] = useState<Problem[]>([]);
  const refreshRef = useRef<() => void>(() => {});
  const api = useMemo<SwitchyardApi | undefined>(() => resolveApi(() => refreshRef.current()), []);

  // Never rejects, so components may `void` it: a call that fails (an IPC
  // error, a core that cannot be reached) comes back as an error answer.
  const invoke: Invoke = useCallback(
    async <N extends CommandName>(name: N, input: CommandInput<N>): Promise<Envelope<CommandResult<N>>> => {
      let answer: Envelope<CommandResult<N>>;
      try {
        if (!api) throw new Error('no api');
        answer = await api.invoke(name, input);
      } catch (error) {
        answer = { ok: false, error: failedCall(name, error) };
      }
      // Field errors are shown by the form that owns the field; the rest here.
      if (!answer.ok && !answer.error.field) setProblem(answer.error);
      if (answer.ok) {
        setProblem(undefined);
        // Show the outcome at once; the config.changed event confirms it, and
        // keeps the view right should the event stream be down.
        setRoutes((list) => applyResult(list, name, answer.result));
      }
      return answer;
    },
    [api],
  );

  const refresh = useCallback(async () => {
    if (!api) return;
    const [list, state, counters, events] = await Promise.all([
      api.invoke('routes.list', {}),
      api.invoke('status', {}),
      api.invoke('backends.live', {}),
      api.invoke('timeline.list', { limit: timelineKept }),
    ]);
    if (events.ok) setTimeline(events.result);
    if (list.ok) setRoutes(list.result);
    else setProblem(list.error);
    if (state.ok) {
      setStatus(state.result);
      setAppProblems(state.result.problems);
    }
    if (counters.ok) applyLive(counters.result);
  }, [api]);
  // The rejection is shown in the banner, like a command's error.
  const refreshShown = useCallback(() => void refresh().catch((error: unknown) => setProblem(failedCall('a refresh', error))), [refresh]);
  refreshRef.current = refreshShown;

  useEffect(() => {
    if (!api) return;
    refreshShown();
    return api.subscribe((event) => {
      if (event.name === 'config.changed') setRoutes(event.payload.routes);
      else if (event.name === 'backends.changed') applyLive(event.payload);
      else if (event.name === 'timeline.added') setTimeline((list) => [event.payload, ...list].slice(0, timelineKept));
      else if (event.name === 'problems.changed') setAppProblems(event.payload);
    });
  }, [api, refreshShown]);

  if (!api) {
    return (
      <main className="empty-state">
        <h1>Switchyard</h1>
        <p>This page needs the address that <code>switchyard serve</code> printed: it carries the access token.</p>
        <p>
          Run <code>switchyard status</code> to see it again.
        </p>
      </main>
    );
  }

  const httpPort = status?.listeners[0]?.port;
  return (
    <ApiContext.Provider value={{ invoke, httpPort, traffic, routeLive, timeline }}>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">⇄</span> Switchyard
        </div>
        <div className="status" aria-label="Proxy status">
          {status ? (
            <>
              <span className="dot ok" aria-hidden="true" /> Proxy listening on port {httpPort} ·{' '}
              {routes?.length ?? 0} route{routes?.length === 1 ? '' : 's'}
            </>
          ) : (
            'Connecting…'
          )}
        </div>
      </header>
      <main className="layout">
        {appProblems.map((p) => (
          <div key={p.code} className="banner warning" role="status">
            <span>{p.message}</span>
          </div>
        ))}
        {problem && (
          <div className="banner error" role="alert">
            <span>{problem.message}</span>
            <button type="button" className="link" onClick={() => setProblem(undefined)} aria-label="Dismiss">
              ✕
            </button>
          </div>
        )}
        <NewRouteForm />
        <section aria-label="Routes" className="routes">
          {routes === undefined ? (
            <p className="muted">Loading routes…</p>
          ) : routes.length === 0 ? (
            <p className="muted">
              No routes yet. Add one above: a host such as <code>demo.localhost</code> and the address of your dev server.
            </p>
          ) : (
            routes.map((route) => <RouteCard key={route.id} route={route} />)
          )}
        </section>
      </main>
    </ApiContext.Provider>
  );
}
