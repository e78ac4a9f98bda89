// What the proxy keeps, not what V8 has not yet given back. serve's
// --initial-old-space-size=64 (src/main/headless/serve-v8-flags.ts) lets the
// old generation fill to 64 MB before its first full collection, so RSS
// rises by tens of MB under load with nothing leaked: a soak that compared
// raw RSS failed on it in CI (119 → 145 MB in 60 s, all of it garbage). The
// soak starts serve with the inspector on a loopback port and, at the
// baseline and at the end, asks V8 for a full collection through it
// (HeapProfiler.collectGarbage, what Chrome DevTools' "collect garbage"
// button sends) before it reads process.memoryUsage() inside the proxy.
import WebSocket from 'ws';
import { serveNodeFlags } from '../scripts/serve-flags.mjs';

const INSPECTOR_TIMEOUT_MS = 10_000;
// Objects a first collection finds dead may keep others alive through weak
// callbacks and finalizers until the next one; V8's own "last resort"
// collection runs seven for the same reason, two are enough here.
const COLLECTIONS = 2;
const INSPECTOR_URL = /Debugger listening on (ws:\/\/\S+)/;

/** `startServe`'s launcher: the bin's own V8 flags plus the inspector on a free loopback port. */
export function inspectedLauncher() {
  return [process.execPath, ...serveNodeFlags(), '--inspect=127.0.0.1:0'];
}

/** The inspector's WebSocket URL from serve's output (Node prints it on stderr at start). */
export function inspectorUrl(child) {
  const match = INSPECTOR_URL.exec(child.output);
  if (!match) throw new Error(`serve did not print its inspector address. Its output:\n${child.output.slice(-2000)}`);
  return match[1];
}

/**
 * Full collections in the proxy, then its process.memoryUsage() in MB:
 * rss, heapUsed (the live JS heap), external and arrayBuffers (Buffers).
 * One short inspector session, closed before it returns, so it holds no
 * descriptor when the soak counts them.
 */
export function memoryAfterCollection(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const pending = new Map();
    let nextId = 1;
    const timer = setTimeout(() => finish(new Error(`the inspector at ${url} did not answer within ${INSPECTOR_TIMEOUT_MS / 1000} s`)), INSPECTOR_TIMEOUT_MS);
    const finish = (error, value) => {
      clearTimeout(timer);
      ws.terminate();
      if (error) reject(error);
      else resolve(value);
    };
    const send = (method, params = {}) =>
      new Promise((res, rej) => {
        const id = nextId++;
        pending.set(id, { res, rej, method });
        ws.send(JSON.stringify({ id, method, params }));
      });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      const waiter = pending.get(message.id);
      if (!waiter) return; // an event, not an answer
      pending.delete(message.id);
      if (message.error) waiter.rej(new Error(`${waiter.method}: ${message.error.message}`));
      else waiter.res(message.result);
    });
    ws.on('error', (error) => finish(error));
    ws.on('open', () => {
      const run = async () => {
        for (let i = 0; i < COLLECTIONS; i++) await send('HeapProfiler.collectGarbage');
        const { result } = await send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
        const usage = JSON.parse(result.value);
        return Object.fromEntries(Object.entries(usage).map(([key, bytes]) => [key, bytes / 1024 / 1024]));
      };
      run().then(
        (value) => finish(undefined, value),
        (error) => finish(error),
      );
    });
  });
}
