// Load generators: wrk for HTTP (a Lua done() hook prints exact numbers as
// JSON) and bench/ws-echo.mjs for WebSocket. Every run is bounded in time:
// the tool's own duration, plus a hard kill if it overstays.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinned, track, trackTempDir } from './procs.mjs';

const benchDir = new URL('.', import.meta.url).pathname;
/** How long past its own duration a tool may run before it is killed. */
const OVERSTAY_MS = 10_000;

// Latencies are in microseconds; summary.errors.status counts non-2xx/3xx.
const reportLua = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"bytes":%d,"durationUs":%d,"p50Us":%.1f,"p99Us":%.1f,"maxUs":%d,' ..
    '"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"statusErrors":%d}\\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
`;
let luaPath;
/** The path of wrk's Lua script that prints the WRKJSON line parseWrk reads (written once per run). */
export function wrkReportScript() {
  if (!luaPath) {
    luaPath = join(trackTempDir(mkdtempSync(join(tmpdir(), 'switchyard-bench-wrk-'))), 'report.lua');
    writeFileSync(luaPath, reportLua);
  }
  return luaPath;
}

/** Runs argv to completion, killing it `durationMs` + OVERSTAY_MS in. */
export function runBounded(argv, durationMs) {
  return new Promise((resolve) => {
    const child = track(spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), durationMs + OVERSTAY_MS);
    child.on('error', (error) => (out += `\n${error.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

/** A short reason from a tool's output: its first error line, else its last lines. */
function reason(out) {
  const lines = out.trim().split('\n').filter((l) => l.trim());
  return lines.find((l) => /error/i.test(l))?.trim() ?? (lines.slice(-2).join(' | ') || '(no output)');
}

/** Parses wrk's text and the WRKJSON line into a result, or { error }. */
export function parseWrk(out) {
  const line = out.match(/^WRKJSON (.*)$/m);
  if (!line) return { error: `wrk printed no result: ${reason(out)}` };
  const r = JSON.parse(line[1]);
  const seconds = r.durationUs / 1e6;
  const non2xx = Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const socketErrors = r.connectErrors + r.readErrors + r.writeErrors + r.timeouts;
  return {
    requests: r.requests,
    seconds,
    rps: r.requests / seconds,
    mbps: r.bytes / seconds / 1e6,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    non2xx,
    socketErrors,
  };
}

/** wrk against 127.0.0.1:port with the bench Host header, on `core`. */
export async function runWrk({ port, path = '/', host, connections, seconds, core }) {
  const argv = pinned(core, [
    'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s',
    '-s', wrkReportScript(), '-H', `Host: ${host}`, `http://127.0.0.1:${port}${path}`,
  ]);
  const { out } = await runBounded(argv, seconds * 1000);
  return parseWrk(out);
}

/** The WebSocket echo client (bench/ws-echo.mjs) on `core`. */
export async function runWsEcho({ port, host, connections, seconds, core }) {
  const argv = pinned(core, [process.execPath, join(benchDir, 'ws-echo.mjs'), `ws://127.0.0.1:${port}/ws`, host, String(connections), String(seconds * 1000)]);
  const { out } = await runBounded(argv, seconds * 1000);
  const line = out.match(/^WSJSON (.*)$/m);
  if (!line) return { error: `ws-echo printed no result: ${reason(out)}` };
  const r = JSON.parse(line[1]);
  if (r.error) return { error: r.error };
  return { requests: r.messages, seconds: r.seconds, msgps: r.messages / r.seconds, socketErrors: r.errors, non2xx: 0 };
}
