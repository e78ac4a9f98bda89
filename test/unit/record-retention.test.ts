import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { RecordRing } from '../../src/main/core/engine/traffic/record-ring';
import { exchangeNote } from '../helpers/exchange-notes';

// The parser's strings (method, target, Host) are slices of the whole head
// text, and V8 keeps a slice's parent alive. A ring that kept each
// exchange's own host or target kept its head too, until 10,000 later
// records overwrote it: old-generation garbage, 17 MB of peak RSS under
// wrk. The heap after a full collection says whether the heads died.

v8.setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const heapAfterCollection = () => {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
};

const records = 4000;
const headBytes = 2048;

/** A head as the parser holds it: one flat latin1 string per request, unique, the fields slices of it. */
function parsedHead(n: number) {
  const line = `GET /items/${String(n).padStart(6, '0')}?token=secret${n} HTTP/1.1\r\nHost: api.myapp.localhost\r\n`;
  const text = Buffer.from(line.padEnd(headBytes, 'x'), 'latin1').toString('latin1');
  const targetStart = 4;
  const targetEnd = text.indexOf(' ', targetStart);
  const hostStart = text.indexOf('Host: ') + 'Host: '.length;
  return {
    text,
    method: text.slice(0, 3),
    url: text.slice(targetStart, targetEnd),
    host: text.slice(hostStart, text.indexOf('\r', hostStart)),
  };
}

describe('the traffic ring keeps no exchange’s head alive', () => {
  it(`holds ${records} records with ${headBytes} B heads in far less heap than the heads would take`, () => {
    const ring = new RecordRing(records);
    const base = exchangeNote();
    const before = heapAfterCollection();
    for (let n = 0; n < records; n++) {
      const head = parsedHead(n);
      // Heads go to the arena as bytes; this test is about the fields, so the note keeps no head text itself.
      ring.add({ ...base, req: { ...base.req, method: head.method, url: head.url, host: head.host, keptHeaders: [] } });
    }
    const grown = heapAfterCollection() - before;

    expect(grown).toBeLessThan((records * headBytes) / 4);
    const kept = ring.list({ after: 0, limit: records });
    expect(kept).toHaveLength(records);
    expect(kept.at(-1)).toMatchObject({ method: 'GET', host: 'api.myapp.localhost', path: `/items/${String(records - 1).padStart(6, '0')}?…` });
  });

  it('keeps HTTP/2 header lists as text: its records hold no list, and read back as sent', () => {
    const ring = new RecordRing(records);
    const base = exchangeNote();
    const before = heapAfterCollection();
    for (let n = 0; n < records; n++) {
      const head = parsedHead(n);
      // node:http2's raw list, its strings (here) slices of one big string each.
      const list = [':method', head.method, ':path', head.url, ':authority', head.host, 'x-pad', head.text.slice(100, 120)];
      ring.add({ ...base, req: { ...base.req, method: head.method, url: head.url, host: head.host, protocol: 'HTTP/2', keptHeaders: list } });
    }
    const grown = heapAfterCollection() - before;

    expect(grown).toBeLessThan((records * headBytes) / 4);
    const newest = ring.get(records)!;
    // The trace shows :path with its query redacted, as the record's path.
    expect(newest.requestHeaders).toEqual([':method', 'GET', ':path', `/items/${String(records - 1).padStart(6, '0')}?…`, ':authority', 'api.myapp.localhost', 'x-pad', parsedHead(records - 1).text.slice(100, 120)]);
  });
});
