/**
 * Node's own latin1 copies, the methods Buffer#write and Buffer#toString call
 * once they have checked their arguments and looked up the encoding.
 */
interface Latin1Methods {
  latin1Write(text: string, offset: number, length: number): number;
  latin1Slice(start: number, end: number): string;
}

const direct = typeof (Buffer.prototype as Partial<Latin1Methods>).latin1Write === 'function';
const directSlice = typeof (Buffer.prototype as Partial<Latin1Methods>).latin1Slice === 'function';

/** Texts up to this long are copied by a loop here: cheaper than any call into C++ for the short paths most requests have. */
const loopLimit = 24;

/**
 * Copies `length` latin1 characters of `text` into `into` at `offset`, which
 * the caller has made sure fit. Noting a record copies three texts (two
 * heads, the path): through Buffer#write, its argument checks and encoding
 * lookup cost as much as the copies. `latin1Write` is not documented, so
 * where a Node lacks it Buffer#write does the copy (test/unit/path-column's
 * "latin1 copy" fails on such a Node, so it is noticed).
 */
export function copyLatin1(into: Buffer, text: string, offset: number, length: number): void {
  if (length <= loopLimit) {
    for (let i = 0; i < length; i++) into[offset + i] = text.charCodeAt(i);
  } else if (direct) {
    (into as unknown as Latin1Methods).latin1Write(text, offset, length);
  } else {
    into.write(text, offset, length, 'latin1');
  }
}

/**
 * `buf`'s bytes [start, end) as a latin1 string, as buf.toString('latin1', start, end) gives them without its
 * argument checks and encoding lookup (both heads of every request are read this way). The caller keeps
 * 0 <= start <= end <= buf.length. Like latin1Write, not documented: test/unit/path-column's "latin1 copy" checks it is there.
 */
export function latin1Text(buf: Buffer, start: number, end: number): string {
  return directSlice ? (buf as unknown as Latin1Methods).latin1Slice(start, end) : buf.toString('latin1', start, end);
}
