import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { withCleanCore } from '../helpers/core';
import { tcpBackend, tcpRoute } from '../helpers/tcp';
import { peakRssGrowth } from '../helpers/memory';

// A gigabyte each way through a TCP route with memory flat: the relay holds
// what the socket buffers hold, never the stream (issue 13's "1 GB through
// a TCP route with flat memory"). Client, proxy and backend share this
// process, so its resident memory is what a buffering relay would grow.

let core: Core;
withCleanCore((c) => (core = c));

const MB = 1024 * 1024;
const GB = 1024 * MB;
const block = Buffer.alloc(MB, 0x5a);
/** Socket buffers and garbage not yet collected stay far below this; a relay that buffered grows by the gigabyte. */
const flatBytes = 200 * MB;
/**
 * Readers stop this long after every `stallEvery` bytes: a relay that kept
 * reading the fast side meanwhile would take hundreds of MB in its memory
 * (loopback moves more than 1 GB/s), one with backpressure stops with the
 * socket buffers full.
 */
const stallMs = 200;
const stallEvery = 128 * MB;

/** Counts what `socket` delivers, stalling now and then as a slow reader does. */
function countWithStalls(socket: net.Socket, counted: (bytes: number) => void): void {
  let count = 0;
  let nextStall = stallEvery;
  socket.on('data', (data: Buffer) => {
    count += data.length;
    counted(count);
    if (count < nextStall) return;
    nextStall += stallEvery;
    socket.pause();
    setTimeout(() => socket.resume(), stallMs);
  });
}

/** Writes `total` bytes in 1 MiB blocks, waiting for 'drain' as a well-behaved writer does, then ends. */
async function writeAll(socket: net.Socket, total: number): Promise<void> {
  for (let sent = 0; sent < total; sent += MB) {
    if (!socket.write(block)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
}

describe('a TCP route carrying a gigabyte', () => {
  it('relays 1 GB down and 1 GB up to readers that stall, with memory flat', async () => {
    const downloads = await tcpBackend('download', (socket) => void writeAll(socket, GB));
    let uploaded = 0;
    const uploads = await tcpBackend('upload', (socket) => {
      countWithStalls(socket, (count) => (uploaded = count));
      socket.on('end', () => socket.end(String(uploaded)));
    });
    const down = await tcpRoute(core, [downloads.url]);
    const up = await tcpRoute(core, [uploads.url]);

    const downGrowth = await peakRssGrowth(
      () =>
        new Promise<void>((resolve, reject) => {
          let count = 0;
          const socket = net.connect(down.port, '127.0.0.1');
          countWithStalls(socket, (total) => (count = total));
          socket.on('end', () => (count === GB ? resolve() : reject(new Error(`got ${count} bytes`))));
          socket.on('error', reject);
        }),
    );
    const upGrowth = await peakRssGrowth(
      () =>
        new Promise<void>((resolve, reject) => {
          let answer = '';
          // Half-close: the client ends its side, the backend answers with the count after it.
          const socket = net.connect({ port: up.port, host: '127.0.0.1', allowHalfOpen: true });
          socket.setEncoding('utf8');
          socket.on('data', (text: string) => (answer += text));
          socket.on('end', () => (answer === String(GB) ? resolve() : reject(new Error(`backend counted ${answer}`))));
          socket.on('error', reject);
          void writeAll(socket, GB);
        }),
    );
    expect(downGrowth).toBeLessThan(flatBytes);
    expect(upGrowth).toBeLessThan(flatBytes);
    await downloads.close();
    await uploads.close();
  }, 90_000);
});
