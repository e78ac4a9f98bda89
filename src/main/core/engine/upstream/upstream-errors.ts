/** Errors the proxy classifies (retries.ts) and explains (proxy-handler.ts). */
export const UpstreamErrors = {
  connectTimeout: 'CONNECT_TIMEOUT',
  headersTimeout: 'HEADERS_TIMEOUT',
  bodyTimeout: 'BODY_TIMEOUT',
  badResponse: 'BAD_RESPONSE',
  closed: 'UPSTREAM_CLOSED',
} as const;

export function upstreamError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
