import type { RouteKind } from '../../../../shared/route-kind';
import { responseFlags, type CacheOutcome, type ConnectionEnd, type ResponseFlag, type TrafficAttempt, type TrafficRecord, redactedHeaders } from '../../../../shared/traffic';
import { describeChoice, type ChoiceNote } from '../balancing/explain-choice';
import type { KeptHeaders } from '../http/message';
import type { UpstreamFailure } from '../upstream/failures';
import { redactQuery } from './path-column';

// What an exchange notes for the traffic record as it goes: numbers and
// references to strings it had anyway, so noting costs no allocation beyond
// one small object per attempt. Sentences, rounding and redaction happen in
// recordOf, when someone reads.

/** One attempt: which backend, why (a ChoiceNote), when, and how it ended. */
export interface AttemptNote extends ChoiceNote {
  backendId: number;
  url: string;
  hostport: string;
  /** Milliseconds from the exchange's start. */
  startMs: number;
  /** To the response head or the failure; 0 while under way. */
  durationMs: number;
  /** The backend's status; 0 when it gave none. */
  status: number;
  failure: UpstreamFailure | null;
  /** How it followed the attempt before: a retry elsewhere, or a reconnect to the same backend. */
  after: 'retry' | 'reconnect' | undefined;
}

/** The request as the record reads it. */
export interface NotedRequest {
  readonly clientAddress: string;
  readonly method: string;
  readonly host: string;
  readonly url: string;
  readonly protocol: string;
  readonly upgrade: string | undefined;
  /** `TLSv1.3` when the client came over TLS. */
  readonly tlsVersion: string | undefined;
  readonly keptHeaders: KeptHeaders;
}

/** An exchange once it ended; the Exchange itself is one (its fields), so noting it builds nothing. */
export interface ExchangeNote {
  readonly startedAtEpoch: number;
  readonly route: { readonly id: number; readonly label: string } | undefined;
  readonly req: NotedRequest;
  readonly status: number;
  readonly flagBits: number;
  /** NaN when no response head was sent. */
  readonly ttfbMs: number;
  readonly totalMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** NaN unless the connection was upgraded. */
  readonly upgradeMs: number;
  readonly responseHeaders: KeptHeaders;
  /** One attempt as itself; several (retries) as a list; none for Switchyard's own answers. */
  readonly attempts: AttemptNote | AttemptNote[] | undefined;
  /** On a route with the cache on: what it did, and the Cache-Status that says why. */
  readonly cache?: CacheOutcome | null;
  readonly cacheStatus?: string;
  /** An L4 route's connection (tcp, ...): its kind and how it ended; absent for HTTP exchanges. */
  readonly kind?: RouteKind;
  readonly end?: ConnectionEnd;
}

const flagNames = Object.keys(responseFlags) as ResponseFlag[];

/** Flags as bits of one number, in responseFlags' order: setting one allocates nothing. */
export const flagBit = Object.fromEntries(flagNames.map((flag, i) => [flag, 1 << i])) as Record<ResponseFlag, number>;

export function flagsOf(bits: number): ResponseFlag[] {
  return flagNames.filter((flag) => (bits & flagBit[flag]) !== 0);
}

/** Record times are kept to this fraction of a millisecond. */
const timePrecision = 100;
const round = (ms: number) => Math.round(ms * timePrecision) / timePrecision;
const orNull = (ms: number) => (Number.isNaN(ms) ? null : round(ms));

/** HTTP/2's request target is a header: its query is redacted there as in the record's path. */
const targetHeader = ':path';

/** Credentials never leave the engine in a trace (Caddy's access log hides the same headers), nor do query values. */
export function redactHeaders(raw: readonly string[]): string[] {
  const out = raw.slice();
  for (let i = 0; i < out.length; i += 2) {
    const name = out[i]!.toLowerCase();
    if (redactedHeaders.has(name)) out[i + 1] = 'REDACTED';
    else if (name === targetHeader) out[i + 1] = redactQuery(out[i + 1]!);
  }
  return out;
}

export const attemptList = (attempts: ExchangeNote['attempts']): readonly AttemptNote[] =>
  attempts === undefined ? [] : Array.isArray(attempts) ? attempts : [attempts];

function attemptOf(note: AttemptNote, index: number, previous: AttemptNote | undefined, client: string): TrafficAttempt {
  const choice = describeChoice(note, note.hostport, client);
  const why =
    note.after === 'reconnect'
      ? `reconnect: ${note.hostport} closed a kept-alive connection, so once more on a new one`
      : note.after === 'retry' && previous
        ? `retry ${index} after ${previous.hostport} failed (${previous.failure?.flag ?? '?'}); ${choice}`
        : choice;
  return {
    backendId: note.backendId,
    url: note.url,
    why,
    startMs: round(note.startMs),
    durationMs: round(note.durationMs),
    status: note.status || null,
    failure: note.failure,
  };
}

/** A noted exchange as the record clients read. */
export function recordOf(id: number, note: ExchangeNote): TrafficRecord {
  const { req, route } = note;
  const notes = attemptList(note.attempts);
  const last = notes.at(-1);
  return {
    id,
    at: note.startedAtEpoch,
    routeId: route?.id ?? null,
    route: route?.label ?? null,
    client: req.clientAddress,
    method: req.method,
    host: req.host,
    path: redactQuery(req.url),
    protocol: req.protocol,
    tls: req.tlsVersion ?? null,
    upgrade: req.upgrade ?? null,
    status: note.status,
    flags: flagsOf(note.flagBits),
    backendId: last?.backendId ?? null,
    backend: last?.url ?? null,
    attempts: notes.map((attempt, i) => attemptOf(attempt, i, notes[i - 1], req.clientAddress)),
    ttfbMs: orNull(note.ttfbMs),
    totalMs: round(note.totalMs),
    bytesIn: note.bytesIn,
    bytesOut: note.bytesOut,
    upgradeMs: orNull(note.upgradeMs),
    cache: note.cache ?? null,
    cacheStatus: note.cacheStatus ?? null,
    kind: note.kind ?? 'http',
    end: note.end ?? null,
  };
}
