import { connectionEnds, type TrafficRecord } from '../../shared/traffic';

export const statusClasses = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof statusClasses)[number];

/** What the Traffic view's toolbar narrows the list to; an unset field lets everything through. */
export interface TrafficFilters {
  routeId: number | undefined;
  backendId: number | undefined;
  statusClass: StatusClass | undefined;
  /** A response flag set, or a 5xx. */
  failedOnly: boolean;
  /** Matched, ignoring case, against method, host, path and backend, and a connection's kind and how it ended. */
  text: string;
}

export const noFilters: TrafficFilters = { routeId: undefined, backendId: undefined, statusClass: undefined, failedOnly: false, text: '' };

const firstServerError = 500;
const classWidth = 100;

/** The class of a status ("5xx"), undefined for 0 (the client got no response head) or anything outside 200..599. */
export function statusClassOf(status: number): StatusClass | undefined {
  return statusClasses.find((c) => Number(c[0]) === Math.floor(status / classWidth));
}

export function failed(record: TrafficRecord): boolean {
  return record.flags.length > 0 || record.status >= firstServerError;
}

/** The test one record must pass, built once per filter change so the per-record work is a few comparisons. */
export function matcher(filters: TrafficFilters): (record: TrafficRecord) => boolean {
  const text = filters.text.trim().toLowerCase();
  return (r) =>
    (filters.routeId === undefined || r.routeId === filters.routeId) &&
    (filters.backendId === undefined || r.backendId === filters.backendId) &&
    (filters.statusClass === undefined || statusClassOf(r.status) === filters.statusClass) &&
    (!filters.failedOnly || failed(r)) &&
    (text === '' ||
      r.method.toLowerCase().includes(text) ||
      r.host.toLowerCase().includes(text) ||
      r.path.toLowerCase().includes(text) ||
      (r.backend?.toLowerCase().includes(text) ?? false) ||
      (r.end !== null && (r.kind.includes(text) || connectionEnds[r.end].includes(text))));
}

export function filtering(filters: TrafficFilters): boolean {
  return filters.routeId !== undefined || filters.backendId !== undefined || filters.statusClass !== undefined || filters.failedOnly || filters.text.trim() !== '';
}
