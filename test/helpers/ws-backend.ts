import http from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { messageText } from './ws-text';

export interface WsBackend {
  url: string;
  wss: WebSocketServer;
  server: http.Server;
  connections: Set<WebSocket>;
  close(): Promise<void>;
}

export interface WsBackendOptions {
  /** How long the backend thinks before it answers an upgrade (it accepts the TCP connection at once). */
  upgradeDelayMs?: number;
  /** Answers plain (non-upgrade) requests; by default `<name> http`. */
  http?: http.RequestListener;
}

/**
 * A real WebSocket echo server on a loopback port: replies `<name>: <message>`,
 * refuses upgrades to /refuse with a 403.
 */
export async function wsBackend(name: string, options: WsBackendOptions = {}): Promise<WsBackend> {
  const server = http.createServer(options.http ?? ((_req, res) => res.end(`${name} http`)));
  const wss = new WebSocketServer({ noServer: true });
  const connections = new Set<WebSocket>();
  const accept = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.add(ws);
      ws.on('close', () => connections.delete(ws));
      ws.on('message', (data) => ws.send(`${name}: ${messageText(data)}`));
    });
  };
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nnot for you\r\n');
      return;
    }
    if (options.upgradeDelayMs) setTimeout(() => accept(req, socket, head), options.upgradeDelayMs);
    else accept(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    wss,
    server,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Opens a WebSocket through the proxy on `port` with the given Host. */
export function openWebSocket(port: number, host: string, path = '/'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The next message the socket receives, as text. */
export const nextMessage = (ws: WebSocket) => new Promise<string>((resolve) => ws.once('message', (data) => resolve(messageText(data))));
