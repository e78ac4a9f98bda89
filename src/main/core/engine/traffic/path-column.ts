import { copyLatin1 } from './latin1-copy';

/** Path bytes kept in place per record; a longer path keeps its string (and, as a slice, the head it came from). */
const pathBytes = 128;
/** What the record shows in place of a query (its values may be tokens or personal data). */
export const redactedQuery = '?…';

/**
 * The request path of every record, query dropped, as bytes in a fixed
 * slot per record rather than the parser's string: that string is a slice
 * of the request's whole head, so keeping it would keep the head until the
 * ring overwrote the record, and old-generation garbage is what the ring
 * is built to avoid (HeadArena). Targets are latin1 (HTTP/1 heads are
 * decoded so, HTTP/2 header values are one-byte strings), so a character is
 * a byte. The buffer is unzeroed: its pages cost nothing until traffic
 * writes them.
 */
export class PathColumn {
  private readonly bytes: Buffer;
  private readonly lengths: Uint8Array;
  private readonly queries: Uint8Array;
  private readonly long: (string | undefined)[];

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity * pathBytes);
    this.lengths = new Uint8Array(capacity);
    this.queries = new Uint8Array(capacity);
    this.long = new Array<string | undefined>(capacity);
  }

  /** Keeps `target`'s path and whether it had a query. */
  write(slot: number, target: string): void {
    const query = target.indexOf('?');
    const length = query === -1 ? target.length : query;
    if (length > pathBytes) {
      this.long[slot] = redactQuery(target);
      return;
    }
    this.long[slot] = undefined;
    copyLatin1(this.bytes, target, slot * pathBytes, length);
    this.lengths[slot] = length;
    this.queries[slot] = query === -1 ? 0 : 1;
  }

  /** The path as records show it: `/search?…` for `/search?q=secret`. */
  read(slot: number): string {
    const long = this.long[slot];
    if (long !== undefined) return long;
    const start = slot * pathBytes;
    const path = this.bytes.toString('latin1', start, start + this.lengths[slot]!);
    return this.queries[slot] === 1 ? path + redactedQuery : path;
  }

  forget(slot: number): void {
    this.long[slot] = undefined;
  }
}

/** A target with its query's values dropped: records keep that there was one, not what. */
export function redactQuery(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query) + redactedQuery;
}
