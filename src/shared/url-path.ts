// A path typed by a person (`/状态`, `/health check`) must reach the wire as
// RFC 3986 characters: Node's http.request throws ERR_UNESCAPED_CHARACTERS on
// anything else, and a health check that throws used to end the process.

// pchar / "/" / "?" plus "%" (checked separately): what may stand unencoded.
const allowed = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?]/;
const hex = /^[0-9A-Fa-f]{2}$/;

/** Why a path cannot be sent, or undefined when it can (after `percentEncodePath`). */
export function unsendablePathReason(path: string): string | undefined {
  // Control characters (NUL, CR, LF, tab...) would split or smuggle a request line.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a control character (such as a line break or tab)';
  if (/\s/.test(path)) return 'contains a space; write it as %20';
  if (/[\uD800-\uDFFF]/.test(path.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return 'contains a broken Unicode character';
  return undefined;
}

/**
 * Percent-encodes (UTF-8) every character a request target may not carry,
 * keeping existing `%XX` escapes, like browsers do with a typed URL:
 * `/状态` → `/%E7%8A%B6%E6%80%81`. Call only on paths `unsendablePathReason` accepts.
 */
export function percentEncodePath(path: string): string {
  let out = '';
  for (let i = 0; i < path.length; i += 1) {
    const char = path[i]!;
    if (char === '%' && hex.test(path.slice(i + 1, i + 3))) out += char;
    else if (allowed.test(char)) out += char;
    else {
      const code = path.codePointAt(i)!;
      const whole = String.fromCodePoint(code);
      out += encodeURIComponent(whole);
      i += whole.length - 1;
    }
  }
  return out;
}
