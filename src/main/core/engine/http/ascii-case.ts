// ASCII case-insensitive comparison in place, for field names and list tokens
// on the hot path of every protocol (HTTP/1's parser, hop-by-hop stripping),
// and the lookup of a name among a few known ones built on it.

const upperA = 0x41;
const upperZ = 0x5a;
const toLower = 0x20;

/**
 * Whether `text` from `at` spells `lower` (lower-case ASCII) in any case, compared in place: field names and
 * list tokens are ASCII, and lower-casing a copy to compare allocated a string per header on the hot path.
 */
export function spells(text: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const code = text.charCodeAt(at + i);
    if ((code >= upperA && code <= upperZ ? code + toLower : code) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Known lower-case names, each with its value, found in any case in place: grouped by length, so most names are
 * ruled out by their length alone and the rest are compared with only the few of theirs, never lower-cased.
 */
export class NamesByLength<T> {
  private readonly byLength: { name: string; value: T }[][] = [];

  constructor(entries: Iterable<readonly [string, T]>) {
    for (const [name, value] of entries) (this.byLength[name.length] ??= []).push({ name, value });
  }

  /** The value of the known name that `text`'s [start, end) spells, if any. */
  find(text: string, start: number, end: number): T | undefined {
    const candidates = this.byLength[end - start];
    if (candidates !== undefined) for (const { name, value } of candidates) if (spells(text, start, name)) return value;
    return undefined;
  }
}
