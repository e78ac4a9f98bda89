import { expect } from 'vitest';
import type { TestBackend } from './backends';
import { rssMiB, steadyClient } from './h2-attack';
import { h2Connect } from './h2-proxy';

// The frame of the h2 attack tests (rapid reset, CONTINUATION flood): rounds
// of the same attack beside a well-behaved client, and what every attack
// must leave behind: nothing at the backend, the other client served, and
// memory flat.

/** Rounds of the same attack: memory a round leaves behind would show as growth round after round. */
const attackRounds = 3;
export const attackConnections = 10;
/** RSS may grow by this much over the whole attack (buffers, TLS, a few sessions' state). */
const rssGrowthMiB = 40;

export interface AttackRounds<R> {
  results: R[];
  /** RSS in MiB before the first round. */
  before: number;
  /** RSS in MiB after each round. */
  rounds: number[];
  /** What the steady client got meanwhile. */
  served: { answered: number; failed: number };
}

/** `attack` on one new connection after another, attackConnections a round, while a steady client asks `host` on its own session. */
export async function attackInRounds<R>(port: number, host: string, attack: () => Promise<R>): Promise<AttackRounds<R>> {
  const good = await h2Connect(port);
  const steady = steadyClient(good, host);
  try {
    const before = rssMiB();
    const results: R[] = [];
    const rounds: number[] = [];
    for (let round = 0; round < attackRounds; round++) {
      for (let i = 0; i < attackConnections; i++) results.push(await attack());
      rounds.push(rssMiB());
    }
    return { results, before, rounds, served: await steady.stop() };
  } finally {
    await steady.stop();
    good.close();
  }
}

/** No attack request (path /attack) reached `app`, the steady client was answered throughout, and memory stayed flat: the last round keeps no more than the first. */
export function expectContained(run: AttackRounds<unknown>, app: TestBackend): void {
  const after = run.rounds.at(-1)!;
  expect(app.requests.filter((r) => r.url === '/attack')).toHaveLength(0);
  expect(run.served.failed).toBe(0);
  expect(run.served.answered).toBeGreaterThan(0);
  expect(after - run.before).toBeLessThan(rssGrowthMiB);
  expect(after - run.rounds[0]!).toBeLessThan(rssGrowthMiB / 2);
}
