import { describe, expect, it } from 'vitest';
import type { MessageHead } from '../../src/main/core/engine/http/http1/head-parser';
import { idleTimeout, keepsConnection } from '../../src/main/core/engine/http/http1/keep-alive';

const head = (minor: 0 | 1, connection?: string): MessageHead => ({ minor, rawHeaders: [], headers: connection ? { connection } : {}, header: (name) => (name === 'connection' ? connection : undefined), text: '' });

describe('keep-alive', () => {
  it('HTTP/1.1 keeps the connection unless it says close; HTTP/1.0 only if it asks', () => {
    expect(keepsConnection(head(1))).toBe(true);
    expect(keepsConnection(head(1, 'Close'))).toBe(false);
    expect(keepsConnection(head(0))).toBe(false);
    expect(keepsConnection(head(0, 'Keep-Alive'))).toBe(true);
  });

  it("idles a second less than the backend's announced timeout, never longer than ours", () => {
    expect(idleTimeout(undefined, 4_000)).toBe(4_000);
    expect(idleTimeout('timeout=5', 4_000)).toBe(4_000);
    expect(idleTimeout('timeout=2, max=100', 4_000)).toBe(1_000);
    expect(idleTimeout('max=100, Timeout = 3', 4_000)).toBe(2_000);
    expect(idleTimeout('timeout=1', 4_000)).toBe(0);
    expect(idleTimeout('max=5', 4_000)).toBe(4_000);
  });
});
