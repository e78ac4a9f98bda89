// Two floors under any HTTP/1.1 proxy on Node's `net`, for reading
// Switchyard's CPU per request against (bench/FINDINGS.md, "Node's floors"):
//   framing  the least a proxy that pools upstream connections does: find
//            each request's head end, hand the request unchanged to an idle
//            upstream connection, find the response's Content-Length, put
//            the connection back once the body has passed.
//   parse    framing plus what RFC 9110 asks of every proxy, done with
//            Switchyard's own code (its strict head parser and hop-by-hop
//            stripping, loaded from src/): both heads parsed, hop-by-hop
//            headers dropped, X-Forwarded-For/-Proto/-Host/-Port and Via
//            added, both heads written anew.
// Neither routes, balances, times out, counts, records or frames anything but
// Content-Length, and both trust their peers (requests without bodies): they
// are measuring sticks for bench/run.mjs and bench/ab.mjs, never proxies.
// Upstream reads go into reused memory (`onread`), as Switchyard's do.
//   node bench/http-floor.mjs framing|parse LISTEN_PORT TARGET_PORT
import net from 'node:net';
import { listenAsChild } from './child.mjs';
import { requireSource } from './ts-source.mjs';

const [mode, listenPort, targetPort] = [process.argv[2], ...process.argv.slice(3).map(Number)];
if (mode !== 'framing' && mode !== 'parse') throw new Error('usage: node bench/http-floor.mjs framing|parse LISTEN_PORT TARGET_PORT');
const READ_BUFFER_BYTES = 64 * 1024;
const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const LENGTH_NAME = Buffer.from('\r\ncontent-length:');
/** The pseudonym a proxy adds to Via (Switchyard's is random per engine; its length is what matters here). */
const VIA = '1.1 switchyard-0a1b2c3d';
/** What Switchyard drops from requests before adding its own (src/main/core/engine/http/forwarded-headers.ts). */
const PROXY_SET = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'via', 'expect', 'content-length']);
const VIA_ONLY = new Set(['via']);
const parser = mode === 'parse' ? requireSource('src/main/core/engine/http/http1/head-parser.ts') : undefined;
const hop = mode === 'parse' ? requireSource('src/main/core/engine/http/hop-headers.ts') : undefined;
const idle = [];

/** The Content-Length in a response head ending at headEnd, as nginx writes the name or in lower case. */
function contentLength(buf, headEnd) {
  let at = buf.indexOf('\r\nContent-Length:');
  if (at < 0 || at > headEnd) at = buf.indexOf(LENGTH_NAME);
  if (at < 0 || at > headEnd) return 0;
  let length = 0;
  for (let i = at + LENGTH_NAME.length; i < headEnd && buf[i] !== 13; i++) {
    if (buf[i] >= 48 && buf[i] <= 57) length = length * 10 + buf[i] - 48;
  }
  return length;
}

/** A head as Switchyard writes one: start line, [name, value, ...], blank line. */
function headText(startLine, headers) {
  let text = `${startLine}\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/** The response's first read: parsed and rewritten (parse), or passed on (framing). Returns the body bytes it held, or -1 when it is not a head. */
function forwardResponseHead(upstream, buf, length) {
  if (!parser) {
    const headEnd = buf.indexOf(HEAD_END);
    if (headEnd < 0 || headEnd > length) return -1;
    upstream.remaining = contentLength(buf, headEnd);
    upstream.client.write(buf.subarray(0, length));
    return length - headEnd - HEAD_END.length;
  }
  const parsed = parser.parseResponseHead(buf.subarray(0, length), MAX_HEAD_BYTES);
  if (!parsed || parsed.error) return -1;
  const { head, size } = parsed;
  upstream.remaining = Number(head.contentLength ?? 0);
  const headers = hop.stripHopByHop(head.rawHeaders, VIA_ONLY);
  headers.push('Via', head.via === undefined ? '1.1 switchyard' : `${head.via}, 1.1 switchyard`);
  const text = headText(`HTTP/1.1 ${head.status} ${head.reason}`, headers);
  upstream.client.write(size < length ? text + buf.toString('latin1', size, length) : text, 'latin1');
  return length - size;
}

function connectUpstream() {
  let readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const upstream = net.connect({
    port: targetPort,
    host: '127.0.0.1',
    noDelay: true,
    onread: {
      // Reused, unless the client's socket still holds the last chunk (a queued write keeps its memory).
      buffer: () => readBuffer,
      callback(length, buf) {
        let bodyBytes = length;
        if (upstream.remaining === -1) {
          bodyBytes = forwardResponseHead(upstream, buf, length);
          if (bodyBytes < 0) return upstream.destroy();
        } else upstream.client.write(buf.subarray(0, length));
        if (upstream.client.writableLength > 0) readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
        upstream.remaining -= bodyBytes;
        if (upstream.remaining <= 0) {
          upstream.remaining = -1;
          idle.push(upstream);
        }
      },
    },
  });
  upstream.remaining = -1;
  upstream.on('error', () => upstream.client?.destroy());
  upstream.on('close', () => {
    const at = idle.indexOf(upstream);
    if (at >= 0) idle.splice(at, 1);
  });
  return upstream;
}

/** The request to send upstream: as received (framing), or parsed and rewritten (parse); undefined when it is not a head. */
function upstreamRequest(client, chunk) {
  if (!parser) return chunk.indexOf(HEAD_END) < 0 ? undefined : chunk;
  const parsed = parser.parseRequestHead(chunk, MAX_HEAD_BYTES);
  if (!parsed || parsed.error) return undefined;
  const { head } = parsed;
  const headers = hop.stripHopByHop(head.rawHeaders, PROXY_SET);
  const forwardedFor = head.xForwardedFor === undefined ? client.remoteAddress : `${head.xForwardedFor}, ${client.remoteAddress}`;
  headers.push('X-Forwarded-For', forwardedFor, 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', head.host, 'X-Forwarded-Port', String(client.localPort));
  headers.push('Via', head.via === undefined ? VIA : `${head.via}, ${VIA}`);
  return headText(`${head.method} ${head.target} HTTP/1.1`, headers);
}

const server = net.createServer({ noDelay: true }, (client) => {
  client.on('data', (chunk) => {
    const request = upstreamRequest(client, chunk);
    if (request === undefined) return client.destroy();
    const upstream = idle.pop() ?? connectUpstream();
    upstream.client = client;
    upstream.write(request, 'latin1');
  });
  client.on('error', () => client.destroy());
});
listenAsChild(server, listenPort);
