import type { SelectionStates } from '../balancing/selection-states';
import type { HttpCache } from '../cache/http-cache';
import type { HealthMonitor } from '../../health/health-monitor';
import type { RouteLimiters } from '../limits/route-limiters';
import type { RoutingTable } from '../routing/routing-table';
import type { RecordRing } from '../traffic/record-ring';
import type { TrafficStats } from '../traffic/traffic-stats';
import type { InFlight } from '../upstream/in-flight';
import type { UpstreamPools } from '../upstream/upstream-pools';

/** What a proxied exchange reads and reports to: the engine's parts, each owning one concern. */
export interface ProxyContext {
  table(): RoutingTable;
  selection: SelectionStates;
  inFlight: InFlight;
  limiters: RouteLimiters;
  stats: TrafficStats;
  pools: UpstreamPools;
  /** Passive health: every answer and every failure on real traffic is reported. */
  health: HealthMonitor;
  records: RecordRing;
  /** Routes with the cache on answer from it, and fill it through their exchanges. */
  cache: HttpCache;
  /** The listener's own port, for links on the unknown-host page. */
  listenPort(): number;
  /** The HTTPS listener's port, for redirects to it; undefined when there is none. */
  httpsPort(): number | undefined;
  /** This engine's name in Via, by which a request that comes back is recognised. */
  via: string;
}
