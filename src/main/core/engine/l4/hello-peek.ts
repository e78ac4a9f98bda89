import type net from 'node:net';
import { parseClientHello, type ClientHelloResult } from './client-hello';

/**
 * How long a client has to send its whole ClientHello before the connection
 * is routed without a name (to the `*` route, or closed): HAProxy's
 * `tcp-request inspect-delay`, whose documented examples use 5 s (nginx's
 * preread_timeout defaults to 30 s). Counted from accept, not per byte, so a
 * client that sends a byte at a time cannot hold the connection longer.
 */
export const clientHelloTimeoutMs = 5_000;

export type PeekOutcome = Exclude<ClientHelloResult, { kind: 'incomplete' }> | { kind: 'timeout' };

/**
 * Reads a new connection's first bytes until they hold a whole ClientHello,
 * something that is not one, or the time is up; then pauses the socket and
 * hands over every byte read, which the backend must receive first and
 * unchanged. A client that ends, or fails, before that is destroyed: it has
 * said nothing a backend could answer.
 */
export function peekClientHello(socket: net.Socket, timeoutMs: number, done: (bytes: Buffer, outcome: PeekOutcome) => void): void {
  let bytes: Buffer = Buffer.alloc(0);
  let needBytes = 1;
  const finish = (outcome: PeekOutcome) => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    done(bytes, outcome);
  };
  const onData = (chunk: Buffer) => {
    bytes = bytes.length === 0 ? chunk : Buffer.concat([bytes, chunk]);
    if (bytes.length < needBytes) return;
    const result = parseClientHello(bytes);
    if (result.kind === 'incomplete') needBytes = result.needBytes;
    else finish(result);
  };
  const onEnd = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
  socket.on('data', onData);
  // Accepted paused (pauseOnConnect), the socket reads only once resumed: adding a 'data' listener does not do it.
  socket.resume();
  socket.once('end', onEnd);
  socket.once('close', () => clearTimeout(timer));
}
