import { createHash } from 'node:crypto';
import net from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { withCleanCore } from '../helpers/core';
import { tcpBackend, tcpRoute } from '../helpers/tcp';

// The relay reads a backend's bytes into memory it reuses (tcp-relay.ts).
// A client whose socket takes none or part of a write leaves those bytes
// queued in that memory: the next read must go elsewhere, or it overwrites
// bytes the client has not been sent yet. A backend that writes small
// records one at a time makes small reads, each queued whole (below the
// client socket's high-water mark, so the relay reads on) once a client
// that does not read has filled the buffers between.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const recordBytes = 1000;
/** Long enough for the records to fill every socket buffer between backend and client. */
const writeMs = 1_500;
const clientPausedMs = 1_000;

function record(index: number): Buffer {
  const buffer = Buffer.alloc(recordBytes, index % 251);
  buffer.writeUInt32BE(index, 0);
  return buffer;
}

/** Writes one record per turn of the event loop for `writeMs` (waiting for drains), then ends; resolves with the bytes and their hash. */
async function trickle(socket: net.Socket): Promise<{ bytes: number; hash: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const until = Date.now() + writeMs;
  for (let index = 0; Date.now() < until; index++) {
    const data = record(index);
    hash.update(data);
    bytes += data.length;
    if (!socket.write(data)) await new Promise((resolve) => socket.once('drain', resolve));
    await nextTurn();
  }
  socket.end();
  return { bytes, hash: hash.digest('hex') };
}

describe('TCP route read buffer', () => {
  it('a client that reads late gets every byte of a backend that writes small records, unchanged', { timeout: 60_000 }, async () => {
    let sent!: (result: { bytes: number; hash: string }) => void;
    const sentResult = new Promise<{ bytes: number; hash: string }>((resolve) => (sent = resolve));
    const backend = await tcpBackend('trickles', (socket) => void trickle(socket).then(sent));
    cleanups.push(() => backend.close());
    const route = await tcpRoute(core, [backend.url]);
    // Raw bytes from the first one (the helper's client decodes text).
    const socket = net.connect({ port: route.port, host: '127.0.0.1', allowHalfOpen: true });
    socket.pause();
    const hash = createHash('sha256');
    let got = 0;
    const received = new Promise<{ bytes: number; hash: string }>((resolve, reject) => {
      socket.on('data', (data: Buffer) => {
        hash.update(data);
        got += data.length;
      });
      socket.once('end', () => resolve({ bytes: got, hash: hash.digest('hex') }));
      socket.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, clientPausedMs));
    socket.resume();
    try {
      expect(await received).toEqual(await sentResult);
    } finally {
      socket.destroy();
    }
  });
});
