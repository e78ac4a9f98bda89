import type { SelectionKey } from '../http/message';

// Vary (RFC 9111 §4.1): a stored response is used only for requests whose
// listed headers match the request that fetched it. Values are compared
// after the normalisation §4.1 allows (whitespace around commas, repeats
// joined), so `gzip,br` and `gzip, br` match.

/** `*` never matches (§4.1): such a response is not stored at all. */
export const varyAnything = '*';

/** The lower-cased field names of a Vary value, or `*`; empty when nothing varies. */
export function varyNames(vary: string | undefined): string[] | typeof varyAnything {
  if (!vary) return [];
  const names = new Set<string>();
  for (const part of vary.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === varyAnything) return varyAnything;
    if (name) names.add(name);
  }
  return [...names];
}

const normalise = (value: string | undefined) => value?.trim().replace(/\s*,\s*/g, ',').replace(/\s+/g, ' ');

/** The request's values of the varied headers, as stored beside the response. */
export function varyValues(names: readonly string[], req: Pick<SelectionKey, 'header'>): (string | undefined)[] {
  return names.map((name) => normalise(req.header(name)));
}

/** Whether a request presents the same values as the one a stored response was fetched for (an absent header matches only an absent one). */
export function varyMatches(names: readonly string[], stored: readonly (string | undefined)[], req: Pick<SelectionKey, 'header'>): boolean {
  for (let i = 0; i < names.length; i++) if (normalise(req.header(names[i]!)) !== stored[i]) return false;
  return true;
}
