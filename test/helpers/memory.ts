/**
 * Peak resident memory growth of this process while `run` goes, sampled
 * every 50 ms. Tests that put client, proxy and backend in one process read
 * it as "did the proxy hold the stream": a buffering relay grows by what
 * passed through, one with backpressure by its socket buffers.
 */
export async function peakRssGrowth(run: () => Promise<void>): Promise<number> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    await run();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage.rss()) - before;
}
