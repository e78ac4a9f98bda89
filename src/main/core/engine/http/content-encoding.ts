// Response compression decisions, pure. Mirrors nginx's gzip module defaults
// where they apply: only compressible types, not tiny bodies, never what the
// backend already encoded, never streams that must arrive as they are sent.

export type Encoding = 'br' | 'gzip';

/** The client's preferred encoding we support, honouring q-values; br wins ties. */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  let best: Encoding | undefined;
  let bestQ = 0;
  let wildcardQ: number | undefined;
  const seen = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!name || Number.isNaN(q)) continue;
    if (name === '*') wildcardQ = q;
    else seen.set(name, q);
  }
  for (const encoding of ['br', 'gzip'] as const) {
    const q = seen.get(encoding) ?? (encoding === 'gzip' ? seen.get('x-gzip') : undefined) ?? wildcardQ ?? 0;
    if (q > bestQ) {
      best = encoding;
      bestQ = q;
    }
  }
  return best;
}

const compressible = /^(text\/(?!event-stream)|application\/(json|javascript|xml|ld\+json|manifest\+json|wasm|x-javascript|graphql-response\+json)|image\/svg\+xml)/i;

export interface ResponseFacts {
  method: string;
  status: number;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  contentLength: string | undefined;
  cacheControl: string | undefined;
}

/** nginx's gzip_min_length is 20; a frame header costs more than that saves below ~1 KiB. */
const minLength = 1024;

export function shouldCompress(facts: ResponseFacts): boolean {
  if (facts.method === 'HEAD' || facts.status < 200 || facts.status === 204 || facts.status === 206 || facts.status === 304) return false;
  if (facts.contentEncoding && facts.contentEncoding !== 'identity') return false;
  if (!facts.contentType || !compressible.test(facts.contentType)) return false;
  if (facts.cacheControl && /\bno-transform\b/i.test(facts.cacheControl)) return false;
  if (facts.contentLength !== undefined && Number(facts.contentLength) < minLength) return false;
  return true;
}

/** Response headers for a body we compress: no length (it changes), the encoding, and Vary. */
export function compressedHeaders(headers: readonly string[], encoding: Encoding | undefined): string[] {
  const out: string[] = [];
  let vary: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'vary') vary = vary ? `${vary}, ${headers[i + 1]}` : headers[i + 1];
    else if (!(encoding && name === 'content-length')) out.push(headers[i]!, headers[i + 1]!);
  }
  const varies = vary !== undefined && /(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary);
  out.push('Vary', varies ? vary! : vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
  if (encoding) out.push('Content-Encoding', encoding);
  return out;
}
