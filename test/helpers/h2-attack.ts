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

/** Resident memory in MiB after a full collection when the test runs with --expose-gc (else as is). */
export function rssMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / MiB;
}
