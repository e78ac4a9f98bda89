import { describe, expect, it } from 'vitest';
import { loopNow } from '../../src/main/core/engine/http/http1/loop-clock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('loopNow', () => {
  it('keeps one time for a turn of the event loop and reads the clock again in a later turn', async () => {
    const first = loopNow();
    const until = Date.now() + 5;
    while (Date.now() < until); // the same turn, 5 ms on
    expect(loopNow()).toBe(first);
    await sleep(10);
    expect(loopNow()).toBeGreaterThanOrEqual(first + 10);
    expect(loopNow()).toBeLessThanOrEqual(Date.now());
  });
});
