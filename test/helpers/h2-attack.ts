import v8 from 'node:v8';
import vm from 'node:vm';
import type http2 from 'node:http2';
import { h2Request } from './h2-proxy';

/**
 * A well-behaved client beside an attack: one request after another on its
 * own session until `stop()`, counting answers and failures, so a test can
 * show the listener kept serving others.
 */
export function steadyClient(session: http2.ClientHttp2Session, authority: string): { stop(): Promise<{ answered: number; failed: number }> } {
  let running = true;
  let answered = 0;
  let failed = 0;
  const loop = (async () => {
    while (running) {
      const answer = await h2Request(session, authority, '/steady');
      if (answer.status === 200 && answer.ended) answered += 1;
      else failed += 1;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { answered, failed };
    },
  };
}

const MiB = 1024 * 1024;

// A full collection before each reading, so garbage not yet collected is not
// taken for memory the attack made the proxy keep.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/** Resident memory in MiB, after a full collection. */
export function rssMiB(): number {
  return memoryMiB().rss;
}

/** Resident memory and live JavaScript heap in MiB, after a full collection: the heap shows what is still referenced, RSS also what the allocator kept. */
export function memoryMiB(): { rss: number; heap: number } {
  collect();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: rss / MiB, heap: heapUsed / MiB };
}
