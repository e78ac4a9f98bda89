import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { withCleanCore } from '../helpers/core';
import { tcpBackend, tcpConnect, tcpRoute } from '../helpers/tcp';

// Half-close through a TCP route: each direction ends on its own. A client
// that shuts its write side (as `nc -N`, or an HTTP/1.0 client) still gets
// the whole answer; a backend that ends first still receives what follows.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const replyDelayMs = 100;

describe('TCP route half-close', () => {
  it("a client's end reaches the backend, and the answer sent after it still reaches the client", async () => {
    // Answers only once the request has ended, as a server reading to EOF does.
    const backend = await tcpBackend(
      'after-eof',
      (socket) => {
        let got = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (got += chunk));
        socket.on('end', () => setTimeout(() => socket.end(`got ${got.length} bytes: ${got}`), replyDelayMs));
      },
      { allowHalfOpen: true },
    );
    cleanups.push(() => backend.close());
    const route = await tcpRoute(core, [backend.url]);
    const client = await tcpConnect(route.port, { allowHalfOpen: true });
    client.socket.end('the whole request');
    const { error, received } = await client.closed;
    expect({ error, received }).toEqual({ error: undefined, received: 'got 17 bytes: the whole request' });
  });

  it("a backend's end reaches the client, and what the client sends after it still reaches the backend", async () => {
    let afterEnd = '';
    let backendGotEnd!: () => void;
    const ended = new Promise<void>((resolve) => (backendGotEnd = resolve));
    const backend = await tcpBackend(
      'banner-then-listen',
      (socket) => {
        socket.end('banner and goodbye\n');
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (afterEnd += chunk));
        socket.on('end', () => backendGotEnd());
      },
      { allowHalfOpen: true },
    );
    cleanups.push(() => backend.close());
    const route = await tcpRoute(core, [backend.url]);
    const client = await tcpConnect(route.port, { allowHalfOpen: true });
    await client.waitFor('goodbye\n');
    await new Promise<void>((resolve) => client.socket.once('end', resolve));
    // The backend has ended its side; the client's side is still open.
    client.socket.write('written after the backend ended');
    client.socket.end();
    await ended;
    expect(afterEnd).toBe('written after the backend ended');
    expect((await client.closed).error).toBeUndefined();
  });
});
