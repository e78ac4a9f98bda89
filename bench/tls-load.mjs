// Load generators of the HTTPS bench: bench/tls-handshakes.mjs (a full TLS
// handshake per request), wrk (keep-alive HTTP/1.1 over TLS) and h2load (h2
// by ALPN). wrk and h2load connect to
// https://HOST:port/ so the TLS client sends HOST as SNI and verifies nothing
// else: HOST resolves to 127.0.0.1 through a hosts file bind-mounted over
// /etc/hosts in a mount namespace of the tool's own (the system's resolver
// knows no *.localhost here, and neither tool can connect to one name while
// sending another as SNI). Every run is bounded in time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const benchDir = new URL('.', import.meta.url).pathname;
import { parseWrk, runBounded, wrkReportScript } from './load.mjs';
import { HOST, tempDir } from './peers.mjs';
import { pinned } from './procs.mjs';

const TIMEOUT_S = 5;

let hostsPath;
/** A hosts file naming HOST as 127.0.0.1 (written once per run). */
function hostsFile() {
  if (!hostsPath) {
    hostsPath = join(tempDir('tls-load'), 'hosts');
    writeFileSync(hostsPath, `127.0.0.1 localhost ${HOST}\n::1 localhost\n`);
  }
  return hostsPath;
}

/** argv run with HOST resolving to 127.0.0.1 (see the top of this file), pinned to `core`. */
function withHosts(core, argv) {
  const script = 'mount --bind "$0" /etc/hosts && exec "$@"';
  return pinned(core, ['unshare', '--mount', 'sh', '-c', script, hostsFile(), ...argv]);
}

/** wrk -t1 over TLS with keep-alive (wrk offers no ALPN: HTTP/1.1). */
export async function runWrkTls({ port, connections, seconds, core }) {
  const argv = ['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', `${TIMEOUT_S}s`, '-s', wrkReportScript(), `https://${HOST}:${port}/`];
  const { out } = await runBounded(withHosts(core, argv), seconds * 1000);
  return parseWrk(out);
}

/**
 * bench/tls-handshakes.mjs for `seconds`: `connections` lanes of connect,
 * full handshake (SNI HOST, ALPN http/1.1), one GET with Connection: close.
 */
export async function runHandshakes({ port, connections, seconds, core }) {
  const argv = pinned(core, [process.execPath, join(benchDir, 'tls-handshakes.mjs'), String(port), HOST, String(connections), String(seconds * 1000)]);
  const { out } = await runBounded(argv, seconds * 1000);
  const line = out.match(/^HSJSON (.*)$/m);
  if (!line) return { error: `tls-handshakes printed no result: ${out.trim().split('\n').slice(-2).join(' | ') || '(no output)'}` };
  const r = JSON.parse(line[1]);
  if (r.resumed > 0) return { error: `${r.resumed} handshakes resumed a session: not all were full ones` };
  return { requests: r.requests, seconds: r.seconds, rps: r.requests / r.seconds, non2xx: r.non2xx, socketErrors: r.errors };
}

/** Parses h2load's summary into a result like parseWrk's, or { error }. */
export function parseH2load(out) {
  const finished = out.match(/^finished in ([\d.]+)(m?s), ([\d.]+) req\/s/m);
  const counts = out.match(/^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/m);
  const status = out.match(/^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/m);
  const protocol = out.match(/^Application protocol: (\S+)/m)?.[1];
  if (!finished || !counts || !status) {
    const lines = out.trim().split('\n').filter((l) => l.trim());
    return { error: `h2load printed no result: ${lines.find((l) => /error|fail/i.test(l)) ?? lines.slice(-2).join(' | ')}` };
  }
  if (protocol !== 'h2') return { error: `h2load negotiated ${protocol ?? 'nothing'}, not h2` };
  const seconds = Number(finished[1]) / (finished[2] === 'ms' ? 1000 : 1);
  const succeeded = Number(counts[4]);
  const mean = out.match(/^time for request:\s+\S+\s+\S+\s+(\S+)/m)?.[1];
  return {
    requests: succeeded,
    seconds,
    rps: succeeded / seconds,
    meanMs: mean ? parseDuration(mean) : NaN,
    non2xx: Number(status[2]) + Number(status[3]) + Number(status[4]),
    socketErrors: Number(counts[5]) + Number(counts[6]) + Number(counts[7]),
  };
}

/** h2load's "1.23ms" / "456us" / "1.2s" as milliseconds. */
function parseDuration(text) {
  const match = text.match(/^([\d.]+)(us|ms|s)$/);
  if (!match) return NaN;
  return Number(match[1]) * { us: 1e-3, ms: 1, s: 1000 }[match[2]];
}

/** h2load for `seconds` (one thread), `connections` h2 connections with `streams` requests in flight on each. */
export async function runH2load({ port, connections, streams, seconds, core }) {
  const argv = ['h2load', '-t1', `-c${connections}`, `-m${streams}`, `-D${seconds}`, `https://${HOST}:${port}/`];
  const { out } = await runBounded(withHosts(core, argv), seconds * 1000);
  return parseH2load(out);
}
