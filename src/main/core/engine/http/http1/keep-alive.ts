import { hasToken, type MessageHead } from './head-parser';

/** Whether the sender lets the connection carry another message (RFC 9112 §9.3). */
export function keepsConnection(head: MessageHead): boolean {
  const connection = head.header('connection');
  return head.minor === 1 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
}

/**
 * A backend announcing `Keep-Alive: timeout=N` closes idle connections after
 * N s; reusing one a moment before that races its close into a reset. Like
 * undici, stay a second under what it announced (0 or less: do not reuse).
 */
export function idleTimeout(keepAlive: string | undefined, ours: number): number {
  const announced = keepAlive?.match(/(?:^|[,;\s])timeout\s*=\s*(\d+)/i);
  return announced ? Math.min(ours, Number(announced[1]) * 1000 - 1000) : ours;
}
