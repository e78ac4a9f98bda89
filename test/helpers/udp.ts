import dgram from 'node:dgram';
import type { Core } from '../../src/main/core/core';
import type { Route } from '../../src/shared/model';
import { must } from './core';

/** How long a test waits for a datagram that should come (loopback answers in well under a millisecond). */
export const replyWaitMs = 2_000;

export interface UdpBackend {
  name: string;
  url: string;
  port: number;
  /** Every datagram it got: the text and the address:port it came from. */
  readonly received: { text: string; from: string }[];
  close(): Promise<void>;
}

/**
 * A UDP server on loopback. By default it answers each datagram with
 * `name:text` from the port the datagram reached; `onMessage` replaces that
 * (it gets the datagram and a function that replies to its sender). On
 * `port` when given (a backend coming up where one was missing).
 */
export async function udpBackend(name: string, onMessage?: (datagram: Buffer, reply: (answer: Buffer | string) => void) => void, port = 0): Promise<UdpBackend> {
  const socket = dgram.createSocket('udp4');
  const received: { text: string; from: string }[] = [];
  socket.on('message', (datagram, from) => {
    received.push({ text: datagram.toString('utf8'), from: `${from.address}:${from.port}` });
    const reply = (answer: Buffer | string) => socket.send(answer, from.port, from.address);
    if (onMessage) onMessage(datagram, reply);
    else reply(`${name}:${datagram.toString('utf8')}`);
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  const bound = socket.address().port;
  return { name, url: `udp://127.0.0.1:${bound}`, port: bound, received, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

/** A loopback UDP port nothing is bound to (it was free a moment ago): datagrams to it get ICMP port unreachable. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A UDP route on a free loopback port; UDP routes' checks are off by default. */
export async function udpRoute(core: Core, backends: string[], settings: Record<string, unknown> = {}, algorithm?: string): Promise<Route & { port: number }> {
  const port = await freeUdpPort();
  const route = await must(core.run('routes.create', { host: `udp://127.0.0.1:${port}`, algorithm, settings, backends: backends.map((url) => ({ url })) }));
  return { ...route, port };
}

/** A client socket on its own port: one session on a UDP route. */
export interface UdpClient {
  port: number;
  /** Sends `text` to the route and resolves with the next datagram that arrives (rejects after `timeoutMs`). */
  ask(routePort: number, text: string | Buffer, timeoutMs?: number): Promise<Buffer>;
  send(routePort: number, text: string | Buffer): void;
  /** Resolves with the next datagram, or undefined when none came within `timeoutMs`. */
  next(timeoutMs?: number): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

export async function udpClient(): Promise<UdpClient> {
  const socket = dgram.createSocket('udp4');
  const queue: Buffer[] = [];
  const waiting: ((datagram: Buffer) => void)[] = [];
  socket.on('message', (datagram) => {
    const waiter = waiting.shift();
    if (waiter) waiter(datagram);
    else queue.push(datagram);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const next = (timeoutMs = replyWaitMs) =>
    new Promise<Buffer | undefined>((resolve) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(take), 1);
        resolve(undefined);
      }, timeoutMs);
      const take = (datagram: Buffer) => {
        clearTimeout(timer);
        resolve(datagram);
      };
      waiting.push(take);
    });
  const send = (routePort: number, text: string | Buffer) => socket.send(text, routePort, '127.0.0.1');
  return {
    port: socket.address().port,
    send,
    next,
    async ask(routePort, text, timeoutMs = replyWaitMs) {
      send(routePort, text);
      const reply = await next(timeoutMs);
      if (!reply) throw new Error(`no reply to "${String(text)}" from port ${routePort} within ${timeoutMs} ms`);
      return reply;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
