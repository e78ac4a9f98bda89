import type { HealthMonitor } from '../../health/health-monitor';
import type { SelectionStates } from '../balancing/selection-states';
import type { RoutingTable } from '../routing/routing-table';
import type { TrafficStats } from '../traffic/traffic-stats';
import type { Dialer } from '../upstream/dialer';
import type { InFlight } from '../upstream/in-flight';
import type { RecordSink } from './connection-record';

/** The engine's parts a TCP route's connections read and report to: the same ones HTTP exchanges use. */
export interface L4Context {
  table(): RoutingTable;
  selection: SelectionStates;
  /** Open connections per backend: least-connections reads them, drains wait for them. */
  inFlight: InFlight;
  stats: TrafficStats;
  /** Passive health: every connect on real traffic, made or failed, is reported. */
  health: HealthMonitor;
  /** The engine's one dialer, with whatever decorates it (faults). */
  dial: Dialer;
  /** The traffic record: one entry per connection, at its end. */
  records: RecordSink;
}
