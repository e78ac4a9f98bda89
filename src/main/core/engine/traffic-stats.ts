import type { BackendStats } from '../../../shared/events';

export type TrafficCounters = Pick<BackendStats, 'served' | 'rps' | 'share' | 'active' | 'failures'>;

// How many answered requests per route "recent" covers for a backend's share.
const window = 100;

/**
 * Counters per backend and a ring of the last answers per route, from which
 * each backend's share of recent traffic is read. `version` moves on every
 * change so the core only pushes a snapshot when something happened.
 */
export class TrafficStats {
  private readonly served = new Map<number, number>();
  private readonly failed = new Map<number, number>();
  private readonly recent = new Map<number, { ring: Int32Array; next: number; filled: number }>();
  version = 0;
  /** Served counts at the last rate sample, to turn totals into a rate. */
  private sampled = { at: 0, served: new Map<number, number>(), rates: new Map<number, number>() };

  recordServed(routeId: number, backendId: number): void {
    this.served.set(backendId, (this.served.get(backendId) ?? 0) + 1);
    let recent = this.recent.get(routeId);
    if (!recent) this.recent.set(routeId, (recent = { ring: new Int32Array(window), next: 0, filled: 0 }));
    recent.ring[recent.next] = backendId;
    recent.next = (recent.next + 1) % window;
    recent.filled = Math.min(window, recent.filled + 1);
    this.version += 1;
  }

  recordFailure(backendId: number): void {
    this.failed.set(backendId, this.failures(backendId) + 1);
    this.version += 1;
  }

  failures(backendId: number): number {
    return this.failed.get(backendId) ?? 0;
  }

  snapshot(routes: readonly { id: number; backends: readonly { id: number }[] }[], active: (id: number) => number): Map<number, TrafficCounters> {
    const out = new Map<number, TrafficCounters>();
    const now = performance.now();
    const elapsed = (now - this.sampled.at) / 1000;
    // Rates move once at least half a second has passed, so frequent
    // snapshots (a UI refetching) do not turn them into noise.
    if (elapsed >= 0.5) {
      const rates = new Map<number, number>();
      for (const [id, served] of this.served) rates.set(id, (served - (this.sampled.served.get(id) ?? 0)) / elapsed);
      this.sampled = { at: now, served: new Map(this.served), rates };
    }
    for (const route of routes) {
      const recent = this.recent.get(route.id);
      const counts = new Map<number, number>();
      for (let i = 0; i < (recent?.filled ?? 0); i++) counts.set(recent!.ring[i]!, (counts.get(recent!.ring[i]!) ?? 0) + 1);
      for (const backend of route.backends) {
        out.set(backend.id, {
          served: this.served.get(backend.id) ?? 0,
          rps: Math.round(this.sampled.rates.get(backend.id) ?? 0),
          share: recent?.filled ? (counts.get(backend.id) ?? 0) / recent.filled : 0,
          active: active(backend.id),
          failures: this.failures(backend.id),
        });
      }
    }
    return out;
  }

  /** Forgets routes and backends that no longer exist. */
  retain(routeIds: ReadonlySet<number>, backendIds: ReadonlySet<number>): void {
    for (const id of this.recent.keys()) if (!routeIds.has(id)) this.recent.delete(id);
    for (const map of [this.served, this.failed]) for (const id of map.keys()) if (!backendIds.has(id)) map.delete(id);
  }
}
