// ASCII case-insensitive comparison in place, for field names and list tokens
// on the hot path of every protocol (HTTP/1's parser, hop-by-hop stripping).

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
