// A Cache-Status header (RFC 9211, as the core writes it: cache-status.ts)
// read back into its parameters and told as one sentence, for the Cache
// panel's recent decisions and the Traffic trace.

export interface CacheStatusParams {
  hit: boolean;
  fwd: string | undefined;
  fwdStatus: number | undefined;
  stored: boolean;
  collapsed: boolean;
  ttl: number | undefined;
  detail: string | undefined;
}

/** One list member's parameters: `Switchyard; hit; ttl=59; detail="..."` (a Structured Field string may hold `;` and escapes). */
export function parseCacheStatus(value: string): CacheStatusParams {
  const params: CacheStatusParams = { hit: false, fwd: undefined, fwdStatus: undefined, stored: false, collapsed: false, ttl: undefined, detail: undefined };
  const pattern = /;\s*([a-z-]+)(?:=("(?:[^"\\]|\\.)*"|[^;]*))?/g;
  for (const [, name, raw] of value.matchAll(pattern)) {
    const text = raw === undefined ? undefined : raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.trim();
    if (name === 'hit') params.hit = true;
    else if (name === 'stored') params.stored = true;
    else if (name === 'collapsed') params.collapsed = true;
    else if (name === 'fwd') params.fwd = text;
    else if (name === 'fwd-status') params.fwdStatus = Number(text);
    else if (name === 'ttl') params.ttl = Number(text);
    else if (name === 'detail') params.detail = text;
  }
  return params;
}

const forwardWords: Record<string, string> = {
  'uri-miss': 'not in the cache',
  'vary-miss': 'stored only for other values of the headers it varies on',
  miss: 'not in the cache',
  stale: 'the stored copy was stale',
  request: 'the request asked for a fresh answer',
  method: 'its method is never answered from the cache',
  bypass: 'the cache was not asked',
};

function freshness(ttl: number | undefined): string {
  if (ttl === undefined) return '';
  return ttl >= 0 ? `, fresh for ${ttl} s more` : `, stale by ${-ttl} s`;
}

/** What the cache did and why, in words: "Hit: answered from the cache, fresh for 59 s more." */
export function cacheSentence(value: string): string {
  const p = parseCacheStatus(value);
  const detail = p.detail ? ` (${p.detail})` : '';
  if (p.hit) return `Hit: answered from the cache${freshness(p.ttl)}${detail}.`;
  const why = p.fwd ? (forwardWords[p.fwd] ?? p.fwd) : 'sent to the backend';
  const lead = p.fwd === 'bypass' || p.fwd === 'method' ? 'Bypassed' : p.fwd === 'stale' ? 'Stale' : 'Miss';
  const waited = p.collapsed ? '; it waited for another request to the same URL' : '';
  // A miss's detail is why it was not stored ("not stored: response has Set-Cookie and no s-maxage"); stored says so itself.
  const outcome = p.stored ? `; fetched from the backend and stored${freshness(p.ttl)}` : p.detail ? `; ${p.detail}` : '; fetched from the backend';
  return `${lead}: ${why}${waited}${outcome}.`;
}
