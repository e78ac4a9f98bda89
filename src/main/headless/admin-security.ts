import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const loopbackNames = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Only loopback Host names with our port: a foreign name means DNS rebinding
 * (a web page whose domain now resolves to 127.0.0.1).
 */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return loopbackNames.some((name) => host.toLowerCase() === `${name}:${port}`);
}

/** Browsers send Origin on cross-origin and WebSocket requests; only our own UI's origin passes. */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return loopbackNames.some((name) => origin.toLowerCase() === `http://${name}:${port}`);
}

export function tokenMatches(presented: string | null | undefined, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}
