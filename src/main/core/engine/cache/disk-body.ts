import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { ResponseListener, ResponseMessage } from '../http/message';
import type { DiskBody } from './cache-store';
import { prefixBytes } from './entry-file';

// A stored body sent from its file. Small bodies are read whole and checked
// against their CRC before the head goes out, so a damaged one is a miss
// the client never sees. Larger ones stream (backpressure from the client
// pauses the file), checked as they go, with the last chunk held back until
// the whole body added up: a file that turns out damaged is cut (the client
// sees a short body against Content-Length, never a complete-looking wrong
// one), as nginx closes the connection when a cache file read fails
// mid-body.

/** Bodies up to this are checked whole before anything is sent. */
export const checkFirstBytes = 1024 * 1024;
const streamChunkBytes = 64 * 1024;

export interface DiskSendHooks {
  /** Where the response's drain and close are heard (the client's response, or the seam in front of it). */
  listen(listener: ResponseListener): void;
  /** The file checks out so far: write the head now. */
  head(): void;
  /** The file could not be used; `headSent` says whether the client had the head already (then its response was cut). */
  failed(why: string, headSent: boolean): void;
}

async function readWhole(handle: FileHandle, body: DiskBody): Promise<Buffer | string> {
  const bytes = Buffer.alloc(body.length);
  let done = 0;
  while (done < body.length) {
    const { bytesRead } = await handle.read(bytes, done, body.length - done, prefixBytes + done);
    if (bytesRead === 0) return 'is cut short';
    done += bytesRead;
  }
  return crc32(bytes) === body.crc ? bytes : 'does not match its checksum (damaged)';
}

function stream(res: ResponseMessage, handle: FileHandle, body: DiskBody, hooks: DiskSendHooks): void {
  const file = handle.createReadStream({ start: prefixBytes, end: prefixBytes + body.length - 1, highWaterMark: streamChunkBytes });
  let crc = 0;
  let bytes = 0;
  let finished = false;
  /** The latest chunk, sent only once the next one arrives or the checksum matched. */
  let held: Buffer | undefined;
  hooks.listen({
    responseDrained: () => file.resume(),
    responseClosed: () => {
      if (!finished) file.destroy();
    },
  });
  file.on('data', (chunk) => {
    const bytesOfChunk = chunk as Buffer;
    crc = crc32(bytesOfChunk, crc);
    bytes += bytesOfChunk.length;
    const previous = held;
    held = bytesOfChunk;
    if (previous && !res.write(previous)) file.pause();
  });
  file.on('end', () => {
    finished = true;
    if (bytes === body.length && crc === body.crc) return res.end(held);
    res.destroy();
    hooks.failed(bytes === body.length ? 'does not match its checksum (damaged)' : 'is cut short', true);
  });
  file.on('error', (error: NodeJS.ErrnoException) => {
    finished = true;
    res.destroy();
    hooks.failed(`could not be read (${error.code ?? error.message})`, true);
  });
}

async function send(res: ResponseMessage, body: DiskBody, hooks: DiskSendHooks): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(body.file, 'r');
    const { size } = await handle.stat();
    if (size < prefixBytes + body.length) throw new Error('is cut short');
    if (body.length <= checkFirstBytes) {
      const whole = await readWhole(handle, body);
      await handle.close();
      handle = undefined;
      if (typeof whole === 'string') return hooks.failed(whole, false);
      if (res.destroyed) return;
      hooks.head();
      return res.end(whole);
    }
    if (res.destroyed) return void (await handle.close());
    hooks.head();
    // The stream owns the handle from here: it closes it at its end or on destroy.
    stream(res, handle, body, hooks);
  } catch (error) {
    await handle?.close().catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    hooks.failed(code === 'ENOENT' ? 'was deleted' : code ? `could not be read (${code})` : (error as Error).message, false);
  }
}

/** Sends `body` from its file into `res` after `hooks.head()`; `hooks.failed` hears of any problem. Never rejects. */
export function sendDiskBody(res: ResponseMessage, body: DiskBody, hooks: DiskSendHooks): void {
  send(res, body, hooks).catch((error: unknown) => hooks.failed(`could not be sent (${(error as Error).message})`, res.headersSent));
}
