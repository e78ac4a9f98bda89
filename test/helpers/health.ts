import type { Core } from '../../src/main/core/core';
import type { BackendStats } from '../../src/shared/events';
import { must } from './core';

/** Polls live status until `predicate` holds for the backend, returning it; fails after `timeoutMs`. */
export async function waitForBackend(
  core: Core,
  backendId: number,
  predicate: (stats: BackendStats) => boolean,
  timeoutMs = 5_000,
): Promise<BackendStats> {
  const deadline = Date.now() + timeoutMs;
  let last: BackendStats | undefined;
  for (;;) {
    last = (await must(core.run('backends.live', {}))).backends[backendId];
    if (last && predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`backend ${backendId} did not reach the expected state; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Fast checks so tests see transitions in milliseconds rather than seconds. */
export const fastChecks = { healthIntervalMs: 100, healthTimeoutMs: 200, healthRise: 2, healthFall: 3 };
