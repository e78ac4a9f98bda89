/** Node's own latin1 copy, the method Buffer#write calls once it has checked its arguments and looked up the encoding. */
interface Latin1Writer {
  latin1Write(text: string, offset: number, length: number): number;
}

const direct = typeof (Buffer.prototype as Partial<Latin1Writer>).latin1Write === 'function';

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
    (into as unknown as Latin1Writer).latin1Write(text, offset, length);
  } else {
    into.write(text, offset, length, 'latin1');
  }
}
