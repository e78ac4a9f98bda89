import { copyLatin1 } from './latin1-copy';

/** Heads larger than this share of the arena are not kept (one huge cookie jar must not evict thousands of others). */
const largestShare = 16;

/**
 * Message heads kept for traces, copied as bytes into one fixed buffer
 * written round and round. Retaining the parser's strings instead would
 * keep two objects per exchange alive until the ring overwrote them: they
 * would die old, and old-generation garbage is what made a 10,000-record
 * ring cost +20-30 MB of RSS under load. Here the strings die young and the
 * memory is fixed; the oldest heads give way first when they are large.
 */
export class HeadArena {
  private readonly bytes: Buffer;
  /** Bytes written since the start: positions are absolute, so "overwritten" is a comparison. */
  private written = 0;

  constructor(readonly size: number) {
    // Unzeroed: a region is only ever read after it was written, and pages stay untouched until then.
    this.bytes = Buffer.allocUnsafe(size);
  }

  /** Copies `text` (latin1, as heads arrive) in; returns its absolute position, or -1 when it is not kept. */
  write(text: string): number {
    const length = text.length;
    if (this.size === 0 || length > this.size / largestShare) return -1;
    let start = this.written;
    const offset = start % this.size;
    // A head never wraps: the tail that is too short for it is skipped.
    if (offset + length > this.size) start += this.size - offset;
    copyLatin1(this.bytes, text, start % this.size, length);
    this.written = start + length;
    return start;
  }

  /** The head written at `start`, or undefined once newer heads have written over it. */
  read(start: number, length: number): string | undefined {
    if (start < 0 || start < this.written - this.size) return undefined;
    const offset = start % this.size;
    return this.bytes.toString('latin1', offset, offset + length);
  }
}
