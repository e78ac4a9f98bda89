import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Answers with a plain-text status and closes the connection: for what the
 * proxy refuses before any response has started (a malformed request, an
 * upgrade with nowhere to go), after which the stream cannot be trusted.
 */
export function refuseConnection(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = `${status} ${reason}\n${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
