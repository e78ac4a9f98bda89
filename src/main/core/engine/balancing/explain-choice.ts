import { cookieValue } from '../http/cookies';
import type { SelectionKey } from '../http/message';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';
import { hashKeyOf, type InFlight } from './balancer';

// Why the balancer chose a backend, for the traffic record. Noted as a few
// numbers when the choice is made (the in-flight counts it was made on are
// gone a moment later) and put into words only when someone reads the
// record, so the request's path builds no sentence.

export const Choice = {
  roundRobin: 0,
  weighted: 1,
  leastConnections: 2,
  twoChoices: 3,
  ipHash: 4,
  hashed: 5,
  hashMissing: 6,
  stickyCookie: 7,
  stickyIp: 8,
  lastResort: 9,
} as const;
export type ChoiceKind = (typeof Choice)[keyof typeof Choice];

/** What a choice was made on; written into the attempt's note. */
export interface ChoiceNote {
  choice: ChoiceKind;
  /** Candidates (round-robin), the chosen one's weight or in-flight count. */
  count: number;
  /** Total weight, or the runner-up's in-flight count; -1 when none. */
  other: number;
  /** The runner-up (least-connections), as host:port. */
  otherLabel: string | undefined;
}

/** The least-loaded candidate other than `target`, for "B had 0 in flight, A 3". */
function runnerUp(route: CompiledRoute, target: UpstreamTarget, inFlight: InFlight): UpstreamTarget | undefined {
  let best: UpstreamTarget | undefined;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const candidate of route.candidates) {
    if (candidate === target) continue;
    const count = inFlight(candidate.id);
    if (count < bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Notes why `target` was chosen into a fresh note (count 0, other -1, no
 * label), right after pickBackend in the same tick: the counts are the ones it chose on.
 */
export function noteChoice(note: ChoiceNote, key: SelectionKey, route: CompiledRoute, target: UpstreamTarget, inFlight: InFlight): void {
  const settings = route.settings;
  if (!route.candidates.includes(target)) note.choice = Choice.lastResort;
  else if (settings.sticky === 'cookie' && cookieValue(key.header('cookie'), settings.stickyCookie) === target.stickyValue) note.choice = Choice.stickyCookie;
  else if (settings.sticky === 'ip') note.choice = Choice.stickyIp;
  else {
    switch (route.algorithm) {
      case 'round-robin':
        note.choice = Choice.roundRobin;
        note.count = route.candidates.length;
        return;
      case 'weighted-round-robin': {
        note.choice = Choice.weighted;
        note.count = target.weight;
        let total = 0;
        for (const candidate of route.candidates) total += candidate.weight;
        note.other = total;
        return;
      }
      case 'least-connections': {
        note.choice = Choice.leastConnections;
        note.count = inFlight(target.id);
        const other = runnerUp(route, target, inFlight);
        if (other) {
          note.other = inFlight(other.id);
          note.otherLabel = other.hostport;
        }
        return;
      }
      case 'random-two-choices':
        note.choice = Choice.twoChoices;
        note.count = inFlight(target.id);
        return;
      case 'ip-hash':
        note.choice = Choice.ipHash;
        return;
      case 'consistent-hash':
        note.choice = hashKeyOf(key, route) === undefined ? Choice.hashMissing : Choice.hashed;
        return;
    }
  }
}

/** The choice in words ("least-connections: 127.0.0.1:3002 had 0 in flight, 127.0.0.1:3001 3"). */
export function describeChoice(note: ChoiceNote, target: string, client: string): string {
  switch (note.choice) {
    case Choice.roundRobin:
      return `round-robin: ${target}, next in turn of ${note.count}`;
    case Choice.weighted:
      return `weighted round-robin: ${target} has weight ${note.count} of ${note.other}`;
    case Choice.leastConnections:
      return `least-connections: ${target} had ${note.count} in flight${note.otherLabel ? `, ${note.otherLabel} ${note.other}` : ''}`;
    case Choice.twoChoices:
      return `random two choices: ${target} had ${note.count} in flight, the fewer of two`;
    case Choice.ipHash:
      return `ip-hash of ${client} → ${target}`;
    case Choice.hashed:
      return `consistent-hash on the route's hash key → ${target}`;
    case Choice.hashMissing:
      return `consistent-hash: the request has no hash key, so round-robin → ${target}`;
    case Choice.stickyCookie:
      return `sticky cookie → ${target}`;
    case Choice.stickyIp:
      return `sticky by client address ${client} → ${target}`;
    case Choice.lastResort:
      return `last resort: ${target} was out of rotation (health), tried because every other backend failed`;
  }
}
