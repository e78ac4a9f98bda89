import { UpstreamErrors } from './upstream-errors';

// When a failed attempt may be tried again on another backend. Follows
// nginx's proxy_next_upstream (error, timeout; non_idempotent off): nothing
// is retried once response bytes reached the client, a request that never
// reached a backend (connect failed) is always safe, and one that did is
// retried only if its method is idempotent (RFC 9110 §9.2.2) and no body had
// to be consumed to send it (we stream bodies, so they cannot be replayed).

export type AttemptFailure = 'connect' | 'reset' | 'timeout';

const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface RetryQuestion {
  method: string;
  failure: AttemptFailure;
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
  if (q.failure === 'connect') return true;
  return idempotent.has(q.method) && !q.bodyConsumed;
}

// errno codes from connect(), and the upstream client's own codes for its timeouts.
const connectCodes = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', UpstreamErrors.connectTimeout]);
const timeoutCodes = new Set<string>([UpstreamErrors.headersTimeout, UpstreamErrors.bodyTimeout, 'ETIMEDOUT']);

// A TLS handshake that failed (an untrusted certificate) sent no request either.
const tlsCode = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|^ERR_TLS|^ERR_SSL/;

export function classifyFailure(error: NodeJS.ErrnoException): AttemptFailure {
  if (error.code && (connectCodes.has(error.code) || tlsCode.test(error.code))) return 'connect';
  if (error.code && timeoutCodes.has(error.code)) return 'timeout';
  return 'reset';
}
