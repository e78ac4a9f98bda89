import type { KeptHeaders } from '../http/message';
import { flagBit, type ExchangeNote, type NotedRequest } from '../traffic/exchange-note';
import type { RecordSink } from './connection-record';

const noHeaders: KeptHeaders = [];

/**
 * A connection to a shared TLS passthrough port that no route takes: its
 * ClientHello names a server no route serves (nor a `*` route), names none,
 * or is not TLS at all. It is closed at once, as nginx closes a stream with
 * no upstream, and recorded with NR, as an HTTP request for an unknown host
 * is, so the Traffic view says why a client was hung up on instead of
 * showing nothing. `host` is the listen URL with the name asked for.
 */
export function recordUnrouted(records: RecordSink, host: string, clientAddress: string, acceptedAt: number): void {
  const totalMs = performance.now() - acceptedAt;
  const req: NotedRequest = { clientAddress, method: '', host, url: '', protocol: 'tls', upgrade: undefined, tlsVersion: undefined, keptHeaders: noHeaders };
  const note: ExchangeNote = {
    startedAtEpoch: Date.now() - totalMs,
    route: undefined,
    req,
    status: 0,
    flagBits: flagBit.NR,
    ttfbMs: Number.NaN,
    totalMs,
    bytesIn: 0,
    bytesOut: 0,
    upgradeMs: Number.NaN,
    responseHeaders: noHeaders,
    attempts: undefined,
    kind: 'tls',
    end: 'no-route',
  };
  records.add(note);
}
