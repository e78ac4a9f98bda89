import { useEffect, useState } from 'react';
import { connectionEndSentences, responseFlags, type TrafficAttempt, type TrafficTrace as Trace } from '../../../shared/traffic';
import { useApi } from '../api-context';
import { cacheSentence } from '../cache-wording';
import { compactBytes, millis } from '../format';
import { EndText, FlagBadges, StatusText, timeOf } from './TrafficList';

/** A bar narrower than this (in % of the waterfall) would vanish: a 0.1 ms attempt still shows. */
const minBarPercent = 0.5;
const fullPercent = 100;

function outcome(attempt: TrafficAttempt, connection: boolean): string {
  if (attempt.failure) return `${attempt.failure.flag}: ${attempt.failure.kind} in ${attempt.failure.phase} — ${attempt.failure.message}`;
  if (connection) return 'connected';
  return attempt.status === null ? 'no answer' : `answered ${attempt.status}`;
}

/** Each attempt as a bar on the exchange's own time axis (Chrome's network waterfall, HTTP Toolkit's timing view). */
function Waterfall({ trace }: { trace: Trace }) {
  const span = Math.max(trace.totalMs, ...trace.attempts.map((a) => a.startMs + a.durationMs), Number.MIN_VALUE);
  if (trace.attempts.length === 0) return <p className="muted small">No backend was tried.</p>;
  const connection = trace.end !== null;
  return (
    <ol className="waterfall" aria-label="Attempts">
      {trace.attempts.map((attempt, i) => (
        <li key={i} className={attempt.failure ? 'attempt failed' : 'attempt'}>
          <div className="attempt-head">
            <span className="attempt-number">#{i + 1}</span>
            <code>{attempt.url}</code>
            {attempt.failure ? (
              <abbr className="flag" title={responseFlags[attempt.failure.flag]}>
                {attempt.failure.flag}
              </abbr>
            ) : connection ? (
              <span className="http-status status-2xx">connected</span>
            ) : (
              <StatusText status={attempt.status ?? 0} />
            )}
            <span className="muted small">
              +{millis(attempt.startMs)}, {millis(attempt.durationMs)}
            </span>
          </div>
          <div className="attempt-track" aria-hidden="true">
            <span
              className="attempt-bar"
              style={{
                left: `${(attempt.startMs / span) * fullPercent}%`,
                width: `${Math.max(minBarPercent, (attempt.durationMs / span) * fullPercent)}%`,
              }}
            />
          </div>
          <p className="attempt-why small">{attempt.why}</p>
          <p className={`small ${attempt.failure ? 'danger-text' : 'muted'}`}>{outcome(attempt, connection)}</p>
        </li>
      ))}
    </ol>
  );
}

function Headers({ title, headers }: { title: string; headers: string[] }) {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([headers[i]!, headers[i + 1]!]);
  return (
    <section className="trace-section">
      <h3>{title}</h3>
      {pairs.length === 0 ? (
        <p className="muted small">None.</p>
      ) : (
        <dl className="headers">
          {pairs.map(([name, value], i) => (
            <div key={i}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

/** What the route's cache did with the request: the Cache-Status sent and its decision in words. */
function CacheSection({ trace }: { trace: Trace }) {
  if (trace.cacheStatus === null) return null;
  return (
    <section className="trace-section trace-cache" aria-label="Cache">
      <h3>Cache</h3>
      <p className="small">
        <strong>{trace.cache ?? '—'}</strong> — {cacheSentence(trace.cacheStatus)}
      </p>
      <p className="small muted">
        Cache-Status: <code>{trace.cacheStatus}</code>
      </p>
    </section>
  );
}

/** A connection's summary: how it ended and why, how long to connect and how long open, bytes each way. */
function ConnectionSummary({ trace }: { trace: Trace }) {
  return (
    <>
      <dl className="trace-summary">
        <div>
          <dt>Ended</dt>
          <dd>
            <EndText record={trace} /> <FlagBadges flags={trace.flags} />
          </dd>
        </div>
        <div>
          <dt>At</dt>
          <dd>{timeOf(trace.at)}</dd>
        </div>
        <div>
          <dt>Client</dt>
          <dd>
            <code>{trace.client}</code> over {trace.kind.toUpperCase()}
          </dd>
        </div>
        <div>
          <dt>Timing</dt>
          <dd>
            {trace.ttfbMs === null ? 'never connected' : `connected in ${millis(trace.ttfbMs)}`}, open {millis(trace.totalMs)}
          </dd>
        </div>
        <div>
          <dt>Bytes</dt>
          <dd>
            {compactBytes(trace.bytesIn)} client → backend, {compactBytes(trace.bytesOut)} backend → client
          </dd>
        </div>
      </dl>
      <p className="small">{connectionEndSentences[trace.end!]}</p>
    </>
  );
}

/** The route the exchange went to, or why none took it (an NR record). */
function RouteLine({ route, none }: { route: string | null; none: string }) {
  return <>Route: {route ? <code>{route}</code> : <span className="danger-text">{none}</span>}</>;
}

/** One exchange in full, fetched when selected (`traffic.get`): what happened, why that backend, each attempt, both sides' headers. */
export function TrafficTrace({ id, onClose }: { id: number; onClose: () => void }) {
  const { invoke } = useApi();
  const [trace, setTrace] = useState<Trace | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let current = true;
    setTrace(undefined);
    setError(undefined);
    // invoke never rejects; RECORD_NOT_FOUND says the ring has moved past it.
    void invoke('traffic.get', { id }).then((answer) => {
      if (!current) return;
      if (answer.ok) setTrace(answer.result);
      else setError(answer.error.message);
    });
    return () => {
      current = false;
    };
  }, [invoke, id]);

  const connection = trace !== undefined && trace.end !== null;
  const title = trace ? (connection ? `${trace.kind.toUpperCase()} ${trace.host}` : `${trace.method} ${trace.host}${trace.path}`) : `Exchange ${id}`;
  return (
    <aside className="traffic-trace" aria-label="Trace">
      <div className="trace-title">
        <h2>{title}</h2>
        <button type="button" className="ghost" onClick={onClose} title="Close the trace (Esc)">
          Close
        </button>
      </div>
      {error && <p className="field-error">{error}</p>}
      {!trace && !error && <p className="muted">Loading the trace…</p>}
      {trace && connection && (
        <>
          <ConnectionSummary trace={trace} />
          {trace.flags.length > 0 && (
            <ul className="flag-meanings small">
              {trace.flags.map((flag) => (
                <li key={flag}>
                  <strong>{flag}</strong> {responseFlags[flag]}
                </li>
              ))}
            </ul>
          )}
          <section className="trace-section">
            <h3>Decision</h3>
            <p className="small">
              <RouteLine route={trace.route} none="none on this port takes this server name" />
            </p>
            {trace.attempts[0] && <p className="small">Backend: {trace.attempts[0].why}</p>}
          </section>
          <section className="trace-section">
            <h3>Attempts</h3>
            <Waterfall trace={trace} />
          </section>
        </>
      )}
      {trace && !connection && (
        <>
          <dl className="trace-summary">
            <div>
              <dt>Status</dt>
              <dd>
                <StatusText status={trace.status} /> <FlagBadges flags={trace.flags} />
              </dd>
            </div>
            <div>
              <dt>At</dt>
              <dd>{timeOf(trace.at)}</dd>
            </div>
            <div>
              <dt>Client</dt>
              <dd>
                <code>{trace.client}</code> {trace.protocol}
                {trace.upgrade && ` (upgrade: ${trace.upgrade})`}
              </dd>
            </div>
            <div>
              <dt>Timing</dt>
              <dd>
                first byte {millis(trace.ttfbMs)}, total {millis(trace.totalMs)}
                {trace.upgradeMs !== null && `, open ${millis(trace.upgradeMs)}`}
              </dd>
            </div>
            <div>
              <dt>Bytes</dt>
              <dd>
                {compactBytes(trace.bytesIn)} sent, {compactBytes(trace.bytesOut)} received
              </dd>
            </div>
          </dl>
          {trace.flags.length > 0 && (
            <ul className="flag-meanings small">
              {trace.flags.map((flag) => (
                <li key={flag}>
                  <strong>{flag}</strong> {responseFlags[flag]}
                </li>
              ))}
            </ul>
          )}
          <section className="trace-section">
            <h3>Decision</h3>
            <p className="small">
              <RouteLine route={trace.route} none="none matched this host and path" />
            </p>
            {trace.attempts[0] && <p className="small">Backend: {trace.attempts[0].why}</p>}
          </section>
          <section className="trace-section">
            <h3>Attempts</h3>
            <Waterfall trace={trace} />
          </section>
          <CacheSection trace={trace} />
          <Headers title="Request headers" headers={trace.requestHeaders} />
          <Headers title="Response headers" headers={trace.responseHeaders} />
        </>
      )}
    </aside>
  );
}
