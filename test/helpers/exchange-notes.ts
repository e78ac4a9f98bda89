import type { ExchangeNote } from '../../src/main/core/engine/traffic/exchange-note';
import { flagBit } from '../../src/main/core/engine/traffic/exchange-note';
import type { ResponseFlag } from '../../src/shared/traffic';

export interface NoteFields {
  status?: number;
  path?: string;
  flags?: ResponseFlag[];
  at?: number;
  ttfbMs?: number;
  totalMs?: number;
}

/** An exchange as the engine notes it for the ring: one GET to api.localhost answered by one backend. */
export function exchangeNote({ status = 200, path = '/', flags = status >= 500 ? ['UF'] : [], at = Date.now(), ttfbMs = 1, totalMs = 1 }: NoteFields = {}): ExchangeNote {
  return {
    startedAtEpoch: at,
    route: { id: 1, label: 'api.localhost' },
    req: { clientAddress: '127.0.0.1', method: 'GET', host: 'api.localhost', url: path, protocol: 'HTTP/1.1', upgrade: undefined, tlsVersion: undefined, keptHeaders: [] },
    status,
    flagBits: flags.reduce((bits, flag) => bits | flagBit[flag], 0),
    ttfbMs,
    totalMs,
    bytesIn: 0,
    bytesOut: 2,
    upgradeMs: Number.NaN,
    responseHeaders: [],
    attempts: {
      backendId: 7,
      url: 'http://127.0.0.1:3001',
      hostport: '127.0.0.1:3001',
      startMs: 0,
      durationMs: ttfbMs,
      status,
      failure: null,
      after: undefined,
      choice: 0,
      count: 1,
      other: -1,
      otherLabel: undefined,
    },
  };
}
