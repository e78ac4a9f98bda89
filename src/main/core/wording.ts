import type { TimelineKind } from '../../shared/events';
import type { Route } from '../../shared/model';
import type { ProxySettings } from '../../shared/proxy-settings';
import { routeLabel } from '../../shared/route-label';
import type { HealthState } from './health/health-state';

// The sentences the UI and CLI show about backends and config, in one
// place: the timeline's entries and the status reasons the engine reports.
// The engine and the core pass values; this file says them in words, so
// wording is reviewed (and one day translated) without reading the data plane.

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const listed = (items: (string | false | undefined)[]) => items.filter(Boolean).join(', ') || 'nothing';

/**
 * A health transition worth a timeline entry, or undefined: only changes of
 * state are news; a first passing check, or checks reset by a new target
 * (back to unknown), are not.
 */
export function healthEntry(url: string, before: HealthState, after: HealthState): { kind: TimelineKind; message: string } | undefined {
  if (before.name === after.name || after.name === 'unknown' || (before.name === 'unknown' && after.name === 'healthy')) return undefined;
  const [kind, verb]: [TimelineKind, string] =
    after.name === 'ejected'
      ? ['ejected', 'ejected']
      : before.name === 'ejected'
        ? ['returned', 'is back']
        : after.name === 'unhealthy'
          ? ['down', 'is down']
          : ['up', 'is healthy again'];
  return { kind, message: `${url} ${verb}: ${after.reason}` };
}

export const drained = (url: string) => `${url} drained: no requests in flight.`;

export const routeCreated = (route: Route) => `Route ${routeLabel(route)} created (${route.algorithm}, ${plural(route.backends.length, 'backend')}).`;

export const routeChanged = (route: Route, change: { host?: string; path?: string; algorithm?: string; settings?: object }) =>
  `Route ${routeLabel(route)} changed: ${listed([
    change.host && 'host',
    change.path && 'path',
    change.algorithm && `algorithm ${route.algorithm}`,
    change.settings && `settings (${Object.keys(change.settings).join(', ')})`,
  ])}.`;

export const routeDeleted = (route: Route) => `Route ${routeLabel(route)} deleted.`;

export const backendAdded = (url: string) => `Backend ${url} added.`;

export const backendChanged = (url: string, change: { url?: string; weight?: number; health?: object }) =>
  `Backend ${url} changed: ${listed([
    change.url && `URL ${change.url}`,
    change.weight !== undefined && `weight ${change.weight}`,
    change.health && `health-check overrides (${Object.keys(change.health).join(', ')})`,
  ])}.`;

export const backendSwitched = (url: string, enabled: boolean) => `Backend ${url} switched ${enabled ? 'on' : 'off'}.`;

export const backendDraining = (url: string) => `Backend ${url} draining: no new requests.`;

export const backendRemoved = (url: string) => `Backend ${url} removed.`;

export const proxySettingsChanged = (patch: object, updated: ProxySettings) =>
  `Proxy settings changed: ${listed(Object.keys(patch).map((key) => `${key} ${String(updated[key as keyof ProxySettings])}`))}.`;

// Backend status reasons (what `backends.live` says beside a status).

export const noCheckYet = 'No check has run yet.';
export const switchedOff = 'Switched off.';
export const drainedReason = 'Drained: no requests in flight; it takes no new ones until resumed (Resume, or `switchyard backend enable`).';
export const drainingReason = (inFlight: number) => `Draining: ${plural(inFlight, 'request')} still in flight, no new ones.`;
export const checksOffReason = 'Health checks are off for this route; it receives traffic.';
/** A UDP route without a probe: nothing says the backend is up, and status must not look as if something did. */
export const udpUncheckedReason =
  'Not checked: UDP has no connection to test, so only a datagram that meets a closed port (ICMP unreachable) counts against it. Set healthCheck=udp with healthSend (and healthExpect) to probe it.';
