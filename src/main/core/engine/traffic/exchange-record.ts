import { redactedHeaders, type ResponseFlag, type TrafficAttempt, type TrafficRecord } from '../../../../shared/traffic';
import type { RequestMessage } from '../http/message';
import type { CompiledRoute, UpstreamTarget } from '../routing/routing-table';

/** Record times are kept to this fraction of a millisecond. */
const timePrecision = 100;
const round = (ms: number) => Math.round(ms * timePrecision) / timePrecision;

/** The query's values may be tokens or personal data: records keep that there was one, not what. */
export function redactQuery(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?…`;
}

/** Credentials never leave the engine in a trace (Caddy's access log hides the same headers). */
export function redactHeaders(raw: readonly string[]): string[] {
  const out = raw.slice();
  for (let i = 0; i < out.length; i += 2) if (redactedHeaders.has(out[i]!.toLowerCase())) out[i + 1] = 'REDACTED';
  return out;
}

/** What an exchange noted as it went: plain values it had anyway. */
export interface ExchangeFacts {
  at: number;
  route: CompiledRoute | undefined;
  req: RequestMessage;
  status: number;
  flags: ResponseFlag[];
  target: UpstreamTarget | undefined;
  attempts: TrafficAttempt[];
  ttfbMs: number | null;
  totalMs: number;
  bytesIn: number;
  bytesOut: number;
  upgradeMs: number | null;
}

/** The record of one exchange, built once at its end; off the request's path, which has already been answered. */
export function recordOf(id: number, facts: ExchangeFacts): TrafficRecord {
  const { req, route, target } = facts;
  for (const attempt of facts.attempts) {
    attempt.startMs = round(attempt.startMs);
    attempt.durationMs = round(attempt.durationMs);
  }
  return {
    id,
    at: facts.at,
    routeId: route?.id ?? null,
    route: route?.label ?? null,
    client: req.clientAddress,
    method: req.method,
    host: req.host,
    path: redactQuery(req.url),
    protocol: req.protocol,
    upgrade: req.upgrade ?? null,
    status: facts.status,
    flags: facts.flags,
    backendId: target?.id ?? null,
    backend: target?.url ?? null,
    attempts: facts.attempts,
    ttfbMs: facts.ttfbMs === null ? null : round(facts.ttfbMs),
    totalMs: round(facts.totalMs),
    bytesIn: facts.bytesIn,
    bytesOut: facts.bytesOut,
    upgradeMs: facts.upgradeMs === null ? null : round(facts.upgradeMs),
  };
}
