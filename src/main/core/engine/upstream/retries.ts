import type { UpstreamFailure } from './failures';

// When a failed attempt may be tried again on another backend. Follows
// nginx's proxy_next_upstream (error, timeout; non_idempotent off): nothing
// is retried once response bytes reached the client, a request that never
// reached a backend (connect failed) is always safe, and one that did is
// retried only if its method is idempotent (RFC 9110 §9.2.2) and no body had
// to be consumed to send it (we stream bodies, so they cannot be replayed).
// Requests and upgrades go through the same rule.

const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface RetryQuestion {
  method: string;
  failure: UpstreamFailure;
  /** The request has a body and piping it to the backend had begun. */
  bodyConsumed: boolean;
  /** Response headers were already sent to the client. */
  responseStarted: boolean;
  /** Attempts made so far, including the one that failed. */
  attempts: number;
  retries: number;
}

export function mayRetry(q: RetryQuestion): boolean {
  if (q.responseStarted || q.attempts > q.retries) return false;
  // The client itself broke off: nobody is waiting for another attempt.
  if (q.failure.flag === 'DC') return false;
  if (q.failure.phase === 'connect') return true;
  return idempotent.has(q.method) && !q.bodyConsumed;
}
