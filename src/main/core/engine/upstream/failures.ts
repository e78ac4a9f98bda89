import type { FailureKind, FailurePhase, ResponseFlag, UpstreamFailureInfo } from '../../../../shared/traffic';

// An attempt's failure as a value: what happened (kind), how far the
// exchange had got (phase) and Envoy's response flag for it. Retries,
// passive health, the 502 page and the traffic record all read these
// fields; nothing sorts error strings.

export type UpstreamFailure = UpstreamFailureInfo;

/** Envoy's flags: any failure to get a connection is UF, a timeout after that UT, a close UC, garbage UPE. */
function flagOf(kind: FailureKind, phase: FailurePhase): ResponseFlag {
  if (phase === 'connect') return 'UF';
  if (kind === 'timeout') return 'UT';
  if (kind === 'protocol') return 'UPE';
  return 'UC';
}

export function upstreamFailure(kind: FailureKind, phase: FailurePhase, message: string): UpstreamFailure {
  return { kind, phase, flag: flagOf(kind, phase), message };
}

/** The client broke off the request body it was streaming up: the backend did nothing wrong (Envoy's DC). */
export function clientAborted(): UpstreamFailure {
  return { kind: 'reset', phase: 'head', flag: 'DC', message: 'the client broke off its request body.' };
}

const unreachableCodes = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);
// Certificate verification (OpenSSL's X509 errors as Node names them) versus any other TLS failure.
const certificateCode = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;
const tlsCode = /^ERR_TLS|^ERR_SSL|^EPROTO$/;

/** A socket error as a failure: its code says what happened; `phase` is how far the connection had got. */
export function socketFailure(error: NodeJS.ErrnoException, phase: FailurePhase): UpstreamFailure {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return upstreamFailure('refused', 'connect', 'nothing is listening there (connection refused). Is the dev server running?');
  if (unreachableCodes.has(code)) return upstreamFailure('unreachable', 'connect', `it cannot be reached (${code}: ${error.message}).`);
  if (certificateCode.test(code)) {
    return upstreamFailure(
      'tls',
      'connect',
      `its TLS certificate is not trusted (${error.message}). For a dev server's self-signed certificate, switch off "Verify https backends" in the route's settings (verifyBackendTls=off).`,
    );
  }
  if (tlsCode.test(code)) return upstreamFailure('tls', 'connect', `the TLS handshake failed (${code}: ${error.message}). Is it an https server?`);
  if (code === 'ETIMEDOUT') return upstreamFailure('timeout', phase, `the connection timed out (${error.message}).`);
  if (phase === 'connect') return upstreamFailure('reset', 'connect', `the connection failed while it was being made (${code || error.message}).`);
  if (phase === 'body') return upstreamFailure('reset', 'body', 'it closed the connection in the middle of the response.');
  return upstreamFailure('reset', 'head', 'it closed the connection before answering (connection reset).');
}
