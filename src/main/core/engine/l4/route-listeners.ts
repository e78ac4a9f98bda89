// The lifecycle every kind of L4 route shares: its listeners kept in step
// with the config (tcp-routes.ts, udp-routes.ts, tls-routes.ts). What sets
// a kind apart (what it listens for, how it re-limits and words a failure)
// is a ListenerKind; the queue, the failed binds, draining and closing are
// here, once.

import type { ListenerStatus } from '../../../../shared/commands';
import type { Problem } from '../../../../shared/events';
import type { Route } from '../../../../shared/model';
import type { ListenKind } from '../../../../shared/route-kind';

/** How long a removed route's open connections may go on before they are cut. */
export const removedRouteGraceMs = 10_000;

export interface RouteListenersEvents {
  /** The list of routes that cannot listen changed. */
  onProblems: () => void;
  onError: (context: string, error: unknown) => void;
}

export interface RouteListener {
  /** Stops accepting; open connections get `graceMs` to end (a UDP socket ends its sessions at once: they have no stream to finish). */
  stop(graceMs: number): Promise<void>;
}

/** What one kind of L4 route listens for; RouteListeners does the rest. */
export interface ListenerKind<Key, Want, L extends RouteListener> {
  routeKind: ListenKind;
  /** How logged errors name these routes: "TCP routes". */
  name: string;
  code: Extract<Problem['code'], `${string}_LISTEN_FAILED`>;
  /** The listeners `routes` (of this kind) want, by key: a route id, or a listen URL its routes share. */
  wanted(routes: readonly Route[]): Map<Key, Want>;
  /** Whether an open listener can go on serving `want` (not when it moved to another address). */
  fits(listener: L, want: Want): boolean;
  /** A new listener, not bound yet. */
  create(key: Key, want: Want): L;
  /** Binds it; rejects with the OS error (EADDRINUSE, EACCES…), having released what it held. */
  listen(listener: L, want: Want): Promise<void>;
  /** Brings an open listener up to date with `want`: limits, routes, backends. */
  update(listener: L, want: Want): void;
  /** The problem a listener that could not bind is, in words that say what to do (listen-problem.ts). */
  problem(listener: L, want: Want, error: NodeJS.ErrnoException): string;
  status(listener: L): ListenerStatus;
  /**
   * Whether a sync waits for the listeners it stops before it binds new
   * ones. A UDP socket ends its sessions at once, so waiting costs nothing.
   * A TCP listener's stop lasts while its connections drain, so those drain
   * in the background; server.close releases the address at once, so a
   * moved route's old port is free for the next one all the same.
   */
  waitForStops: boolean;
}

/**
 * One kind's listeners, kept in step with the config. `sync` runs one at a
 * time, in order; a listener whose address cannot be bound is a problem
 * (status, problems.changed) and the rest of Switchyard runs on. It is tried
 * again at the next config change, as a port may have been freed meanwhile.
 */
export class RouteListeners<Key, Want, L extends RouteListener> {
  private readonly listeners = new Map<Key, L>();
  private readonly failed = new Map<Key, string>();
  /** Removed (or moved) routes' listeners whose connections are still open. */
  private readonly draining = new Set<L>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly kind: ListenerKind<Key, Want, L>,
    private readonly events: RouteListenersEvents,
  ) {}

  /** Opens, updates and closes listeners to match `routes`; `settled` resolves once it is done. */
  sync(routes: readonly Route[]): void {
    const own = routes.filter((route) => route.kind === this.kind.routeKind);
    this.queue = this.queue.then(() => this.syncNow(own)).catch((error: unknown) => this.events.onError(`opening ${this.kind.name}`, error));
  }

  /** Resolves once every sync asked for so far has bound or failed. */
  settled(): Promise<void> {
    return this.queue;
  }

  problems(): Problem[] {
    return [...this.failed.values()].map((message) => ({ code: this.kind.code, message }));
  }

  status(): ListenerStatus[] {
    return [...this.listeners.values()].map((listener) => this.kind.status(listener));
  }

  /** Stops every listener; connections get `graceMs` to end. No listener opens after this. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    await this.queue;
    const all = [...this.listeners.values(), ...this.draining];
    this.listeners.clear();
    await Promise.all(all.map((listener) => listener.stop(graceMs)));
  }

  private async syncNow(routes: readonly Route[]): Promise<void> {
    if (this.closed) return;
    const problemsBefore = [...this.failed.values()].join('\n');
    const wanted = this.kind.wanted(routes);
    const stopping: Promise<void>[] = [];
    for (const [key, listener] of this.listeners) {
      const want = wanted.get(key);
      if (want !== undefined && this.kind.fits(listener, want)) continue;
      this.listeners.delete(key);
      this.draining.add(listener);
      stopping.push(listener.stop(removedRouteGraceMs).finally(() => this.draining.delete(listener)));
    }
    if (this.kind.waitForStops) await Promise.all(stopping);
    for (const key of this.failed.keys()) if (!wanted.has(key)) this.failed.delete(key);
    for (const [key, want] of wanted) {
      const open = this.listeners.get(key);
      if (open) {
        this.kind.update(open, want);
        continue;
      }
      const listener = this.kind.create(key, want);
      try {
        await this.kind.listen(listener, want);
        this.listeners.set(key, listener);
        this.failed.delete(key);
      } catch (error) {
        this.failed.set(key, this.kind.problem(listener, want, error as NodeJS.ErrnoException));
      }
    }
    if ([...this.failed.values()].join('\n') !== problemsBefore) this.events.onProblems();
    // Connections of removed routes drain in the background; close waits for them.
    if (!this.kind.waitForStops) void Promise.all(stopping).catch((error: unknown) => this.events.onError(`closing ${this.kind.name}`, error));
  }
}

/** A listener of a kind with one per route (TCP, UDP). */
export interface PerRouteListener extends RouteListener {
  readonly routeId: number;
  /** The route's listen URL this listener was opened for; another URL needs another listener. */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  listen(maxConnections: number): Promise<void>;
}

/**
 * The parts of a kind with a listener per route (TCP, UDP): keyed by route
 * id, opened again when the route's URL changes, bound with its
 * maxConnections, shown with its route id.
 */
export function perRoute<L extends PerRouteListener>(
  routeKind: 'tcp' | 'udp',
): Pick<ListenerKind<number, Route, L>, 'routeKind' | 'wanted' | 'fits' | 'listen' | 'status'> {
  return {
    routeKind,
    wanted: (routes) => new Map(routes.map((route) => [route.id, route])),
    fits: (listener, route) => listener.url === route.host,
    listen: (listener, route) => listener.listen(route.settings.maxConnections),
    status: (listener) => ({ kind: routeKind, address: listener.address, port: listener.port, routeId: listener.routeId }),
  };
}
