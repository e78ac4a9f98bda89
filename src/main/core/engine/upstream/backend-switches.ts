import type { Route } from '../../../../shared/model';

/** What the user set a backend to: it shows as disabled, draining/drained, or its health. */
type SwitchedTo = 'on' | 'off' | 'draining';

const switchedTo = (backend: { enabled: boolean; draining: boolean }): SwitchedTo => (!backend.enabled ? 'off' : backend.draining ? 'draining' : 'on');

/**
 * When each backend was switched on, off or to draining, and when a
 * draining one became drained: what a status's "since" may not predate.
 * A drain ends when the in-flight count reaches zero (`idle`), or at once
 * when it is set on a backend with nothing in flight (`retain`).
 */
export class BackendSwitches {
  private readonly switched = new Map<number, { to: SwitchedTo; at: number; routeId: number; drainedAt?: number }>();

  constructor(
    private readonly inFlight: (backendId: number) => number,
    /** A draining backend's last request ended (or it had none): report it once. */
    private readonly drained: (backendId: number, routeId: number) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /** When the backend entered what the user set it to (epoch ms); for drained, when its last request ended. */
  switchedAt(backendId: number): number | undefined {
    const switched = this.switched.get(backendId);
    return switched?.drainedAt ?? switched?.at;
  }

  /** Notes switches in a new config and forgets removed backends. */
  retain(routes: readonly Route[]): void {
    const now = this.clock();
    const present = new Set<number>();
    for (const route of routes) {
      for (const backend of route.backends) {
        present.add(backend.id);
        const to = switchedTo(backend);
        if (this.switched.get(backend.id)?.to === to) continue;
        this.switched.set(backend.id, { to, at: now, routeId: route.id });
        // After the config change that set it has been noted, so the timeline reads in order.
        if (to === 'draining' && this.inFlight(backend.id) === 0) queueMicrotask(() => this.idle(backend.id));
      }
    }
    for (const id of this.switched.keys()) if (!present.has(id)) this.switched.delete(id);
  }

  /** The backend's in-flight count fell to zero. */
  idle(backendId: number): void {
    const switched = this.switched.get(backendId);
    if (switched?.to !== 'draining' || switched.drainedAt !== undefined) return;
    switched.drainedAt = this.clock();
    this.drained(backendId, switched.routeId);
  }
}
