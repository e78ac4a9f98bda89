import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// Three small HTTP servers inside the core, on loopback and free ports, each
// with a character a user can see in the UI within seconds.

/** Share of the flaky backend's answers that are 503s. */
export const flakyFailureRate = 0.3;
/**
 * The flaky backend also fails its health checks for a spell in every
 * cycle, so it is seen going down and coming back within the first ten
 * seconds (random check failures alone could take a minute to line up).
 */
export const flakyCycleMs = 15_000;
export const flakyDownFromMs = 4_000;
export const flakyDownForMs = 5_000;
/** The slow backend's delay before it answers: long enough to stand out on a latency chart. */
export const slowDelayMs = 400;
export const healthPath = '/health';

export interface DemoBackend {
  url: string;
  behaviour: string;
  server: Server;
}

interface Character {
  name: string;
  behaviour: string;
  /** Whether this answer fails with a 503. */
  fails: () => boolean;
  /** Whether this health check fails with a 503. */
  healthFails: () => boolean;
  delayMs: number;
}

function page(name: string, behaviour: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Switchyard demo: ${name}</title><h1>Hello from the ${name} backend</h1><p>${behaviour}. Reload to be balanced to another one; the Switchyard window shows which answered.</p>\n`;
}

function start(character: Character, random: () => number): Promise<DemoBackend> {
  const server = createServer((request, response) => {
    const isHealth = request.url === healthPath;
    const answer = () => {
      if (isHealth ? character.healthFails() : character.fails()) {
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' });
        response.end(`The ${character.name} backend failed this one on purpose (${character.behaviour.toLowerCase()}).\n`);
        return;
      }
      response.writeHead(200, { 'content-type': isHealth ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8' });
      response.end(isHealth ? 'ok\n' : page(character.name, character.behaviour));
    };
    // Health checks are answered at once: the slow backend is slow, not down.
    if (character.delayMs > 0 && !isHealth) setTimeout(answer, character.delayMs * (0.75 + random() / 2)).unref();
    else answer();
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      server.unref();
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, behaviour: character.behaviour, server });
    });
  });
}

/** Starts the steady, flaky and slow backends; if one cannot start, those that did are closed. */
export async function startDemoBackends(random: () => number = Math.random, now: () => number = Date.now): Promise<DemoBackend[]> {
  const startedAt = now();
  const inDownSpell = () => {
    const into = (now() - startedAt) % flakyCycleMs;
    return into >= flakyDownFromMs && into < flakyDownFromMs + flakyDownForMs;
  };
  const never = () => false;
  const characters: Character[] = [
    { name: 'steady', behaviour: 'Answers every request at once', fails: never, healthFails: never, delayMs: 0 },
    {
      name: 'flaky',
      behaviour: `Fails ${Math.round(flakyFailureRate * 100)}% of requests with 503, and its health checks for ${flakyDownForMs / 1000} s of every ${flakyCycleMs / 1000}`,
      fails: () => random() < flakyFailureRate,
      healthFails: inDownSpell,
      delayMs: 0,
    },
    { name: 'slow', behaviour: `Takes about ${slowDelayMs} ms to answer`, fails: never, healthFails: never, delayMs: slowDelayMs },
  ];
  const started = await Promise.allSettled(characters.map((character) => start(character, random)));
  const backends = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await closeDemoBackends(backends);
    throw (failed).reason;
  }
  return backends;
}

export function closeDemoBackends(backends: readonly DemoBackend[]): Promise<void> {
  return Promise.all(
    backends.map(
      (backend) =>
        new Promise<void>((resolve) => {
          backend.server.close(() => resolve());
          backend.server.closeAllConnections();
        }),
    ),
  ).then(() => undefined);
}
