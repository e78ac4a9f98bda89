import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkedDecoder, requestFraming } from '../../src/main/core/engine/http/http1/body-framing';
import { parseRequestHead } from '../../src/main/core/engine/http/http1/head-parser';
import { keepsConnection } from '../../src/main/core/engine/http/http1/keep-alive';

// Differential test against Node's own parser (llhttp, strict mode): for
// hundreds of tricky variations of a request, whatever Switchyard's parser
// accepts, llhttp must accept too and frame the same way (method, target,
// body length). A request the two ends of a proxy read differently is how
// request smuggling works; being stricter than the backend is safe, being
// more lenient is not.

type Verdict = { ok: false } | { ok: true; method: string; url: string; body: number };
type Ours = { ok: false; size: 0 } | { ok: true; method: string; url: string; body: number; size: number; closes: boolean };

/** Our verdict on the first message in `wire`, and how many bytes it took. */
function ours(wire: Buffer): Ours {
  const refused = { ok: false as const, size: 0 as const };
  const parsed = parseRequestHead(wire, 16 * 1024);
  if (!parsed || 'error' in parsed) return refused;
  const framing = requestFraming(parsed.head);
  if ('error' in framing) return refused;
  let body = 0;
  let size = parsed.size;
  if (framing.kind === 'length') {
    if (wire.length - parsed.size < framing.length) return refused;
    body = framing.length;
    size += body;
  } else if (framing.kind === 'chunked') {
    const decoder = new ChunkedDecoder();
    try {
      size = decoder.feed(wire, parsed.size, (chunk) => (body += chunk.length));
    } catch {
      return refused;
    }
    if (!decoder.done) return refused;
  }
  return { ok: true, method: parsed.head.method, url: parsed.head.target, body, size, closes: !keepsConnection(parsed.head) };
}

const sentinel = Buffer.from('GET /sentinel HTTP/1.1\r\nHost: d.localhost\r\nConnection: close\r\n\r\n');

/**
 * Node's verdict on exactly the bytes we took for one message, followed
 * (unless that message closes the connection) by a sentinel request, then
 * our end of the connection closes. Node agrees only if it answers the
 * message and then the sentinel: a refusal, a longer framing (it eats the
 * sentinel, or waits for bytes that never come) or a shorter one (the rest
 * garbles the sentinel) all show, with no timing involved.
 */
function reference(port: number, wire: Buffer, closes: boolean): Promise<Verdict> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      // 100 Continue (for Expect) is interim, not an answer.
      const answers = text.replace(/HTTP\/1\.1 100 Continue\r\n\r\n/g, '').split(/(?=HTTP\/1\.1 \d{3} )/).filter(Boolean);
      const json = answers.map((a) => (a.startsWith('HTTP/1.1 200') ? a.match(/\r\n\r\n(\{.*\})$/)?.[1] : undefined));
      const first = json[0] ? (JSON.parse(json[0]) as { method: string; url: string; body: number }) : undefined;
      const sentinelAnswered = closes || (json[1] !== undefined && (JSON.parse(json[1]) as { url: string }).url === '/sentinel');
      resolve(answers.length === (closes ? 1 : 2) && first && sentinelAnswered ? { ok: true, ...first } : { ok: false });
    });
    socket.end(closes ? wire : Buffer.concat([wire, sentinel]));
  });
}

// Deterministic pseudo-random choices, so a failure names a reproducible case.
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

const headerVariants = [
  'Content-Length: 5',
  'Content-Length: 05',
  'Content-Length: 5, 5',
  'Content-Length: +5',
  'Content-Length:5',
  'Content-Length: 5 ',
  'Content-Length : 5',
  ' Content-Length: 5',
  'Content-Length: 0x5',
  'Content-Length: 99999999999999999999',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: Chunked',
  'Transfer-Encoding: xchunked',
  'Transfer-Encoding: chunked, identity',
  'Transfer-Encoding: identity, chunked',
  'Transfer-Encoding:\tchunked',
  'Transfer-Encoding: chunked\t',
  'Transfer-Encoding : chunked',
  'Transfer-Encoding\t: chunked',
  'Transfer_Encoding: chunked',
  'Transfer-Encoding: "chunked"',
  'Transfer-Encoding: chunked\r\n ,identity',
  'Host: other.localhost',
  'X-A: b\x00c',
  'X-A: b\rc',
  'X-A: \xe9t\xe9',
  'X-Empty:',
  ': no-name',
  'X-A b',
  'Connection: close',
  'Expect: 100-continue',
];

const bodies = ['hello', '5\r\nhello\r\n0\r\n\r\n', '5;x=y\r\nhello\r\n0\r\n\r\n', '05\r\nhello\r\n0\r\n\r\n', '5 \r\nhello\r\n0\r\n\r\n', ' 5\r\nhello\r\n0\r\n\r\n', '5\nhello\n0\n\n', '5\r\nhelloX\r\n0\r\n\r\n', '0\r\nTrailer: x\r\n\r\n', ''];
const requestLines = ['POST / HTTP/1.1', 'GET /path?q=1 HTTP/1.1', 'POST / HTTP/1.0', 'POST  / HTTP/1.1', 'POST / HTTP/1.1 ', 'POST /a b HTTP/1.1', 'P\x00ST / HTTP/1.1', 'POST / HTTP/1.10'];

function cases(count: number): Buffer[] {
  const random = rng(Number(process.env.DIFF_SEED ?? 20261125));
  const pick = <T,>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const headers = ['Host: d.localhost'];
    const extra = 1 + Math.floor(random() * 3);
    for (let h = 0; h < extra; h++) headers.splice(Math.floor(random() * (headers.length + 1)), 0, pick(headerVariants));
    const eol = random() < 0.1 ? '\n' : '\r\n';
    const wire = `${pick(requestLines)}${eol}${headers.join(eol)}${eol}${eol}${pick(bodies)}`;
    out.push(Buffer.from(wire, 'latin1'));
  }
  return out;
}

describe("Switchyard's HTTP parser is never more lenient than Node's", () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = 0;
      req.on('data', (c: Buffer) => (body += c.length));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, body })));
      req.on('error', () => {});
    });
    server.on('clientError', (_error, socket) => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('agrees with llhttp on every request it accepts', async () => {
    const disagreements: string[] = [];
    let accepted = 0;
    for (const wire of cases(Number(process.env.DIFF_CASES ?? 3000))) {
      const mine = ours(wire);
      if (!mine.ok) continue;
      accepted++;
      const theirs = await reference(port, wire.subarray(0, mine.size), mine.closes);
      if (!theirs.ok || theirs.method !== mine.method || theirs.url !== mine.url || theirs.body !== mine.body) {
        disagreements.push(`${JSON.stringify(wire.subarray(0, mine.size).toString('latin1'))}: ours ${JSON.stringify(mine)}, llhttp ${JSON.stringify(theirs)}`);
      }
    }
    expect(disagreements).toEqual([]);
    // The generator must exercise the accepting side too, or the test proves nothing.
    expect(accepted).toBeGreaterThan(40);
  }, 60_000);
});
