import http from 'node:http';

export interface AdminAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface AdminRequest {
  method?: string;
  /** The request target as sent, e.g. `/api/v1/commands/%ZZ` (never normalised by the client). */
  path: string;
  body?: string | Buffer;
  /** Send the body chunked, without a Content-Length. */
  chunked?: boolean;
  headers?: Record<string, string>;
}

/** A request that gets no answer in this time counts as a hung server, not a slow one. */
export const adminAnswerTimeoutMs = 10_000;

/**
 * One raw request to the admin API with the token. Resolves with whatever
 * HTTP answer arrives; rejects when the connection drops or nothing answers
 * in time, which is what the fuzzer reports as "the server did not stay up".
 */
export function adminRequest(baseUrl: string, token: string, request: AdminRequest, agent?: http.Agent): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const headers: Record<string, string | number> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...request.headers,
    };
    if (!request.chunked) headers['content-length'] = Buffer.byteLength(request.body ?? '');
    let answered = false;
    const req = http.request(
      { host: url.hostname, port: url.port, method: request.method ?? 'POST', path: request.path, headers, agent: agent ?? false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(adminAnswerTimeoutMs, () => req.destroy(new Error(`no answer within ${adminAnswerTimeoutMs} ms`)));
    // A server may answer (413) and close before a large body is fully
    // written; the write error that follows an answer is not a failure.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(request.body);
  });
}
