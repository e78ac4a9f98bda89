import tls from 'node:tls';

// A raw HTTP/2 client for attacks no well-behaved client library will send
// (RFC 9113 §4.1 frames, RFC 7541 literal header fields without Huffman or
// indexing), and a reader that tells which frames the server sent back.

export const FrameType = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;
export const ErrorCode = { NO_ERROR: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2, CANCEL: 8, ENHANCE_YOUR_CALM: 0xb } as const;

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const frameHeaderBytes = 9;
/** RFC 7541 §5.1: a string length has a 7-bit prefix. */
const stringPrefixBits = 7;

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(frameHeaderBytes);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** RFC 7541 §5.1 integer with an N-bit prefix (the first byte's high bits left to the caller). */
function hpackInteger(value: number, prefixBits: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [value];
  const bytes = [max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from(hpackInteger(bytes.length, stringPrefixBits)), bytes]);
}

/** A header block of literal fields without indexing (§6.2.2), names as given, so uppercase names can be sent. */
export function headerBlock(fields: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(fields.map(([name, value]) => Buffer.concat([Buffer.from([0x00]), hpackString(name), hpackString(value)])));
}

export const settings = (): Buffer => frame(FrameType.SETTINGS, 0, 0);
export const settingsAck = (): Buffer => frame(FrameType.SETTINGS, Flag.ACK, 0);

export function rstStream(streamId: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

/** A GET's header block for `authority` and `path`, plus any `extra` fields. */
export function getRequest(authority: string, path = '/', extra: readonly (readonly [string, string])[] = []): Buffer {
  return headerBlock([[':method', 'GET'], [':scheme', 'https'], [':authority', authority], [':path', path], ...extra]);
}

export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** One TLS connection speaking raw frames; every frame the server sends is kept in `frames`. */
export class RawH2Connection {
  readonly frames: ReceivedFrame[] = [];
  closed = false;
  private buffer: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: tls.TLSSocket) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Connects with ALPN h2 and sends the preface and an empty SETTINGS frame. */
  static async open(port: number, servername = 'localhost'): Promise<RawH2Connection> {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    if (socket.alpnProtocol !== 'h2') throw new Error(`The server chose ${String(socket.alpnProtocol)}, not h2.`);
    const connection = new RawH2Connection(socket);
    socket.write(Buffer.concat([preface, settings()]));
    return connection;
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= frameHeaderBytes) {
      const length = this.buffer.readUIntBE(0, 3);
      if (this.buffer.length < frameHeaderBytes + length) break;
      const received: ReceivedFrame = {
        type: this.buffer[3]!,
        flags: this.buffer[4]!,
        streamId: this.buffer.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(this.buffer.subarray(frameHeaderBytes, frameHeaderBytes + length)),
      };
      this.buffer = this.buffer.subarray(frameHeaderBytes + length);
      // Acknowledge the server's settings, as every client must (RFC 9113 §6.5.3).
      if (received.type === FrameType.SETTINGS && !(received.flags & Flag.ACK) && !this.socket.destroyed) this.socket.write(settingsAck());
      this.frames.push(received);
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves when `check` holds for the frames received, or the connection closed, or `timeoutMs` passed. */
  async until(check: (frames: readonly ReceivedFrame[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.frames)) {
      if (this.closed || Date.now() >= deadline) return check(this.frames);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Writes, resolving once the bytes are handed to the kernel (so a flood keeps to the socket's pace). */
  write(data: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      if (this.socket.write(data)) resolve();
      else {
        const done = () => {
          this.socket.off('close', done);
          this.socket.off('drain', done);
          resolve();
        };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      }
    });
  }

  /** The GOAWAY the server sent, if any: its last stream id and error code. */
  goaway(): { lastStreamId: number; code: number } | undefined {
    const found = this.frames.find((f) => f.type === FrameType.GOAWAY);
    return found && { lastStreamId: found.payload.readUInt32BE(0) & 0x7fffffff, code: found.payload.readUInt32BE(4) };
  }

  /** RST_STREAM codes the server sent, by stream id. */
  resets(): Map<number, number> {
    return new Map(this.frames.filter((f) => f.type === FrameType.RST_STREAM).map((f) => [f.streamId, f.payload.readUInt32BE(0)]));
  }

  /** Stream ids the server answered with a HEADERS frame. */
  answered(): Set<number> {
    return new Set(this.frames.filter((f) => f.type === FrameType.HEADERS).map((f) => f.streamId));
  }

  close(): void {
    this.socket.destroy();
  }
}
