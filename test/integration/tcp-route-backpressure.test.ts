import { createHash } from 'node:crypto';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { withCleanCore } from '../helpers/core';
import { tcpBackend, tcpConnect, tcpRoute } from '../helpers/tcp';

// Backpressure both ways: while one side does not read, the proxy stops
// reading the other, so what a fast writer gets flushed is bounded by the
// kernels' socket buffers instead of growing in Switchyard's memory; once
// the reader reads, every byte arrives, in order.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const chunkBytes = 256 * 1024;
/** What the writer tries to push while nobody reads. */
const offeredBytes = 512 * 1024 * 1024;
const pushMs = 2_000;
/** Four times what the socket buffers between writer and reader held here (8 MiB); a relay without backpressure took 76-89 MiB in the 2 s. */
const boundBytes = 32 * 1024 * 1024;
/** Flushed bytes (write callbacks) are only counted while the writer's own buffer is below this. */
const writerBufferBytes = 1024 * 1024;

function chunk(index: number): Buffer {
  const buffer = Buffer.alloc(chunkBytes, index % 251);
  buffer.writeUInt32BE(index, 0);
  return buffer;
}

/** Writes numbered chunks for `pushMs` (or until `offeredBytes`); resolves with the bytes the kernel took, and their hash. */
async function push(socket: net.Socket): Promise<{ flushed: number; written: number; hash: ReturnType<typeof createHash> }> {
  const hash = createHash('sha256');
  let flushed = 0;
  let written = 0;
  const until = Date.now() + pushMs;
  for (let index = 0; Date.now() < until && written < offeredBytes; index++) {
    const data = chunk(index);
    hash.update(data);
    written += data.length;
    socket.write(data, () => (flushed += data.length));
    if (socket.writableLength >= writerBufferBytes) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, until - Date.now()));
        socket.once('drain', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  return { flushed, written, hash };
}

function collect(socket: net.Socket, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  let got = 0;
  return new Promise((resolve, reject) => {
    socket.on('data', (data: Buffer) => {
      hash.update(data);
      got += data.length;
      if (got >= bytes) resolve(hash.digest('hex'));
    });
    socket.once('close', () => reject(new Error(`closed after ${got} of ${bytes} bytes`)));
  });
}

describe('TCP route backpressure', () => {
  it('a backend that does not read stops the client being read, then gets every byte', { timeout: 60_000 }, async () => {
    let backendSocket!: net.Socket;
    let connected!: () => void;
    const accepted = new Promise<void>((resolve) => (connected = resolve));
    const backend = await tcpBackend('never-reads', (socket) => {
      socket.pause();
      backendSocket = socket;
      connected();
    });
    cleanups.push(() => backend.close());
    const route = await tcpRoute(core, [backend.url]);
    const client = await tcpConnect(route.port);
    await accepted;
    const { flushed, written, hash } = await push(client.socket);
    console.log(`client → backend, backend not reading: ${(flushed / 2 ** 20).toFixed(1)} MiB flushed of ${(written / 2 ** 20).toFixed(1)} MiB written in ${pushMs} ms`);
    expect(flushed).toBeLessThan(boundBytes);
    const received = collect(backendSocket, written);
    backendSocket.resume();
    expect(await received).toBe(hash.digest('hex'));
    client.socket.destroy();
  });

  it('a client that does not read stops the backend being read, then gets every byte', { timeout: 60_000 }, async () => {
    let pushed!: (result: Awaited<ReturnType<typeof push>>) => void;
    const result = new Promise<Awaited<ReturnType<typeof push>>>((resolve) => (pushed = resolve));
    const backend = await tcpBackend('floods', (socket) => {
      void push(socket).then(pushed);
    });
    cleanups.push(() => backend.close());
    const route = await tcpRoute(core, [backend.url]);
    const client = await tcpConnect(route.port);
    // Bytes are counted from here on, as raw buffers.
    client.socket.setEncoding('latin1');
    client.socket.removeAllListeners('data');
    client.socket.pause();
    const { flushed, written, hash } = await result;
    console.log(`backend → client, client not reading: ${(flushed / 2 ** 20).toFixed(1)} MiB flushed of ${(written / 2 ** 20).toFixed(1)} MiB written in ${pushMs} ms`);
    expect(flushed).toBeLessThan(boundBytes);
    const clientHash = createHash('sha256');
    let got = 0;
    const done = new Promise<string>((resolve) => {
      client.socket.on('data', (data: string) => {
        clientHash.update(Buffer.from(data, 'latin1'));
        got += data.length;
        if (got >= written) resolve(clientHash.digest('hex'));
      });
    });
    client.socket.resume();
    expect(await done).toBe(hash.digest('hex'));
    client.socket.destroy();
  });
});
