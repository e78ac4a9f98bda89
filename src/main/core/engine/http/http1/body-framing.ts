import type { MessageHead } from './head-parser';

// How a message body is delimited (RFC 9112 §6.3). Transfer-Encoding wins
// over Content-Length; a request carrying both is refused (as nginx does)
// because the two ends of a proxy may disagree about which one counts.

export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export type FramingError = { error: { status: 400 | 501; message: string } };

const none: Framing = { kind: 'none' };
const chunked: Framing = { kind: 'chunked' };
const close: Framing = { kind: 'close' };
const digits = /^\d{1,15}$/;

/** Whether a Transfer-Encoding value ends with chunked, the only coding Switchyard decodes. */
function endsChunked(value: string): boolean {
  const codings = value.split(',');
  return codings[codings.length - 1]!.trim().toLowerCase() === 'chunked';
}

export function requestFraming(head: MessageHead): Framing | FramingError {
  const te = head.header('transfer-encoding');
  const cl = head.header('content-length');
  if (te !== undefined) {
    if (cl !== undefined) return { error: { status: 400, message: 'The request has both Transfer-Encoding and Content-Length.' } };
    if (head.minor === 0) return { error: { status: 400, message: 'An HTTP/1.0 request cannot use Transfer-Encoding.' } };
    if (te.toLowerCase() !== 'chunked') return { error: { status: 501, message: `Transfer-Encoding "${te}" is not supported; send chunked.` } };
    return chunked;
  }
  if (cl === undefined) return none;
  if (!digits.test(cl)) return { error: { status: 400, message: `Content-Length "${cl}" is not a number.` } };
  const length = Number(cl);
  return length === 0 ? none : { kind: 'length', length };
}

/** Response framing; `method` and `status` decide whether there is a body at all. */
export function responseFraming(method: string, status: number, head: MessageHead): Framing | FramingError {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return none;
  const te = head.header('transfer-encoding');
  const cl = head.header('content-length');
  // nginx (1.23+) refuses this too: passing the body on under the length
  // would tell the client something the bytes do not match.
  if (te !== undefined && cl !== undefined) return { error: { status: 400, message: 'it sent both Content-Length and Transfer-Encoding' } };
  if (te !== undefined) return endsChunked(te) ? chunked : close;
  if (cl === undefined) return close;
  if (!digits.test(cl)) return { error: { status: 400, message: `it sent an invalid Content-Length "${cl}"` } };
  const length = Number(cl);
  return length === 0 ? none : { kind: 'length', length };
}

const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLf,
  Done,
}

/** Most hex digits a chunk size may have: 2^52 bytes is plenty and stays exact in a double. */
const maxSizeDigits = 13;
const maxTrailerBytes = 16 * 1024;

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Decodes a chunked body as it arrives, handing over data as slices of the
 * input (no copies). Trailers are read and dropped: nothing Switchyard
 * forwards needs them, and few clients send them.
 */
export class ChunkedDecoder {
  private state = State.Size;
  private size = 0;
  private sizeDigits = 0;
  private trailerBytes = 0;
  private trailerLineLength = 0;

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Consumes bytes from `buf` starting at `start`, calling `onData` for each
   * run of body bytes. Returns how far it read: the end of the body once
   * `done`, else the end of `buf`. Throws on malformed framing.
   */
  feed(buf: Buffer, start: number, onData: (chunk: Buffer) => void): number {
    let at = start;
    while (at < buf.length && this.state !== State.Done) {
      const byte = buf[at]!;
      switch (this.state) {
        case State.Size: {
          const value = hexValue(byte);
          if (value >= 0 && this.sizeDigits < maxSizeDigits) {
            this.size = this.size * 16 + value;
            this.sizeDigits++;
          } else if (this.sizeDigits === 0 || value >= 0) throw new Error('invalid chunk size');
          else if (byte === 13) this.state = State.SizeLf;
          // Only ';' starts an extension: llhttp refuses "5 \r\n", so we do too.
          else if (byte === 59 /* ; */) this.state = State.Extension;
          else throw new Error('invalid chunk size');
          at++;
          break;
        }
        case State.Extension:
          if (byte === 13) this.state = State.SizeLf;
          else if (byte === 10 || byte === 0) throw new Error('invalid chunk extension');
          at++;
          break;
        case State.SizeLf:
          if (byte !== 10) throw new Error('chunk size line not ended by CRLF');
          at++;
          this.state = this.size === 0 ? State.Trailer : State.Data;
          this.sizeDigits = 0;
          break;
        case State.Data: {
          const take = Math.min(this.size, buf.length - at);
          onData(buf.subarray(at, at + take));
          at += take;
          this.size -= take;
          if (this.size === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (byte !== 13) throw new Error('chunk data longer than its size');
          at++;
          this.state = State.DataLf;
          break;
        case State.DataLf:
          if (byte !== 10) throw new Error('chunk data not ended by CRLF');
          at++;
          this.state = State.Size;
          break;
        case State.Trailer:
          if (++this.trailerBytes > maxTrailerBytes) throw new Error('trailers too large');
          if (byte === 13) this.state = State.TrailerLf;
          else if (byte === 10) throw new Error('trailer line not ended by CRLF');
          else this.trailerLineLength++;
          at++;
          break;
        case State.TrailerLf:
          if (byte !== 10) throw new Error('trailer line not ended by CRLF');
          at++;
          this.state = this.trailerLineLength === 0 ? State.Done : State.Trailer;
          this.trailerLineLength = 0;
          break;
      }
    }
    return at;
  }
}

/** Frames one chunk of a chunked body. */
export function chunkHeader(length: number): string {
  return `${length.toString(16)}\r\n`;
}

export const lastChunk = '0\r\n\r\n';
