import { useRef, useSyncExternalStore } from 'react';
import type { Status } from '../../shared/commands';
import type { ErrorPayload } from '../../shared/errors';
import type { BackendStats, Problem, RouteLive, TimelineEntry, TrafficSnapshot, TrafficUpdate } from '../../shared/events';
import type { Route } from '../../shared/model';
import { useApi } from './api-context';
import { keepUnchanged } from './keep-unchanged';

/** Timeline entries of all routes kept for the views (the core keeps more). */
export const timelineKept = 300;

/** online: the event stream is open; offline: it dropped and is being reopened. */
export type Connection = 'connecting' | 'online' | 'offline';

export interface LiveState {
  routes: Route[] | undefined;
  status: Status | undefined;
  /** Live counters by backend id. */
  backends: Record<string, BackendStats>;
  /** What the engine does with each route now, by route id. */
  routeLive: Record<string, RouteLive>;
  /** Recent timeline entries of all routes, newest first. */
  timeline: TimelineEntry[];
  /** Problems of Switchyard itself (history not saved...), until the core says they are gone. */
  problems: Problem[];
  connection: Connection;
  /** Counts the times the event stream came back, so views that fetched something of their own fetch again. */
  reconnects: number;
  /** The last command's error that no form field shows (the page banner), until dismissed or a command succeeds. */
  commandError: ErrorPayload | undefined;
  /** Counts `certificates.changed` events: the Certificates view refetches when it moves. */
  certificateChanges: number;
}

/**
 * Everything the core tells the UI, outside React: a push replaces only the
 * parts that changed (keepUnchanged), and each component subscribes to the
 * slice it shows (useLive), so a once-a-second counter push re-renders the
 * rows whose numbers moved, not the whole app.
 */
export class LiveStore {
  private state: LiveState = {
    routes: undefined,
    status: undefined,
    backends: {},
    routeLive: {},
    timeline: [],
    problems: [],
    connection: 'connecting',
    reconnects: 0,
    commandError: undefined,
    certificateChanges: 0,
  };
  private readonly listeners = new Set<() => void>();

  readonly get = (): LiveState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<LiveState>): void {
    const next = { ...this.state, ...patch };
    if ((Object.keys(patch) as (keyof LiveState)[]).every((key) => next[key] === this.state[key])) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  setRoutes(routes: Route[]): void {
    this.set({ routes: keepUnchanged(this.state.routes, routes) });
  }

  /** A command's answer shown at once; the config.changed event confirms it, and keeps the view right should the stream be down. */
  putRoute(route: Route): void {
    const list = this.state.routes;
    if (!list) return;
    const index = list.findIndex((r) => r.id === route.id);
    const next =
      index === -1
        ? [...list, route].sort((a, b) => a.host.localeCompare(b.host) || a.path.localeCompare(b.path))
        : list.map((r) => (r.id === route.id ? route : r));
    this.setRoutes(next);
  }

  removeRoute(id: number): void {
    if (this.state.routes) this.set({ routes: this.state.routes.filter((r) => r.id !== id) });
  }

  setStatus(status: Status): void {
    this.set({ status: keepUnchanged(this.state.status, status), problems: keepUnchanged(this.state.problems, status.problems) });
  }

  /** When each backend and route was last set by a push of what changed (the core's clock, ISO). */
  private readonly changedAt = { backends: new Map<string, string>(), routes: new Map<string, string>() };

  /**
   * A whole snapshot (`backends.live`, a complete push) replaces; a push of
   * what changed is merged in. A snapshot older than such a push (a command's
   * answer can arrive after a push that was sent later) keeps what the push
   * said: nothing else would correct it until that backend changes again.
   */
  setTraffic(snapshot: TrafficSnapshot | TrafficUpdate): void {
    if ('complete' in snapshot && !snapshot.complete) {
      for (const id of Object.keys(snapshot.backends)) this.changedAt.backends.set(id, snapshot.at);
      for (const id of Object.keys(snapshot.routes)) this.changedAt.routes.set(id, snapshot.at);
      this.set({ backends: mergeChanged(this.state.backends, snapshot.backends), routeLive: mergeChanged(this.state.routeLive, snapshot.routes) });
      return;
    }
    this.set({
      backends: keepUnchanged(this.state.backends, keepNewer(snapshot.backends, this.state.backends, this.changedAt.backends, snapshot.at)),
      routeLive: keepUnchanged(this.state.routeLive, keepNewer(snapshot.routes, this.state.routeLive, this.changedAt.routes, snapshot.at)),
    });
  }

  setTimeline(entries: TimelineEntry[]): void {
    this.set({ timeline: keepUnchanged(this.state.timeline, entries) });
  }

  addTimeline(entry: TimelineEntry): void {
    this.set({ timeline: [entry, ...this.state.timeline].slice(0, timelineKept) });
  }

  setProblems(problems: Problem[]): void {
    this.set({ problems: keepUnchanged(this.state.problems, problems) });
  }

  setCommandError(error: ErrorPayload | undefined): void {
    this.set({ commandError: error });
  }

  certificatesChanged(): void {
    this.set({ certificateChanges: this.state.certificateChanges + 1 });
  }

  setConnection(connection: Connection): void {
    const back = connection === 'online' && this.state.connection === 'offline';
    this.set({ connection, ...(back ? { reconnects: this.state.reconnects + 1 } : {}) });
  }
}

/** `snapshot`, except for entries a push of what changed set after it was taken: those stay as `held` has them. Forgets pushes the snapshot covers. */
function keepNewer<T>(snapshot: Record<string, T>, held: Record<string, T>, changedAt: Map<string, string>, at: string): Record<string, T> {
  let out = snapshot;
  for (const [id, when] of changedAt) {
    if (when < at) {
      changedAt.delete(id);
      continue;
    }
    if (!Object.hasOwn(snapshot, id) || !Object.hasOwn(held, id)) continue;
    if (out === snapshot) out = { ...snapshot };
    Object.defineProperty(out, id, { value: held[id], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** `before` with the entries of `changed` put in (each kept by reference when equal); `before` itself when nothing differs. */
function mergeChanged<T>(before: Record<string, T>, changed: Record<string, T>): Record<string, T> {
  let out = before;
  for (const [id, value] of Object.entries(changed)) {
    const kept = keepUnchanged(before[id], value);
    if (Object.hasOwn(before, id) && kept === before[id]) continue;
    // Defined, not assigned, so an id of "__proto__" stays data.
    if (out === before) out = { ...before };
    Object.defineProperty(out, id, { value: kept, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The part of the live state `select` picks, re-rendering the caller only
 * when that part changes (by `equal`, Object.is unless given). `select` may
 * return a new object each time if `equal` compares by value.
 */
export function useLive<T>(select: (state: LiveState) => T, equal: (a: T, b: T) => boolean = Object.is): T {
  const { store } = useApi();
  const last = useRef<{ state: LiveState; select: (state: LiveState) => T; value: T } | undefined>(undefined);
  const snapshot = () => {
    const state = store.get();
    const cached = last.current;
    if (cached && cached.state === state && cached.select === select) return cached.value;
    const value = select(state);
    // Keep the old value when equal, so React sees the same snapshot and skips the render.
    const kept = cached && equal(cached.value, value) ? cached.value : value;
    last.current = { state, select, value: kept };
    return kept;
  };
  return useSyncExternalStore(store.subscribe, snapshot);
}

export const useBackendStats = (id: number): BackendStats | undefined => useLive((s) => s.backends[id]);
export const useRouteLive = (id: number): RouteLive | undefined => useLive((s) => s.routeLive[id]);
/** The proxy's HTTP port, for links to routes. */
export const useHttpPort = (): number | undefined => useLive((s) => s.status?.listeners.find((l) => l.kind === 'http')?.port);
/** The HTTPS listener's port (every route is served on it too); undefined when serve runs without one. */
export const useHttpsPort = (): number | undefined => useLive((s) => s.status?.listeners.find((l) => l.kind === 'https')?.port);
export const useConnection = (): Connection => useLive((s) => s.connection);
