import type { RawData } from 'ws';

/** A WebSocket message as text, whichever of ws's three shapes it comes in (a Buffer by default). */
export const messageText = (data: RawData): string =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString();
