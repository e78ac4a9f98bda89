import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { adminPath } from '../../shared/api';
import type { CommandName } from '../../shared/commands';
import type { Envelope, ErrorCode, ErrorPayload } from '../../shared/errors';
import type { Core } from '../core/core';
import { closeServer, listenAll } from '../core/listen';
import type { PortName } from '../core/port-naming';
import { bearerToken, isAllowedHost, isAllowedOrigin, tokenMatches } from './admin-security';
import { serveStatic } from './static-files';

export interface AdminServerOptions {
  core: Core;
  token: string;
  port: number;
  /** Its kind and how the user sets it, for a "port in use" error. */
  portName: PortName;
  rendererDir: string;
  /** Where unexpected errors are written (stderr under `serve`). */
  log?: (line: string) => void;
}

const maxBodyBytes = 1024 * 1024;
/** WebSocket close code for "the token it opened with is no longer valid" (RFC 6455 §7.4.1). */
const policyViolation = 1008;

// The UI's own policy, sent as a header so the browser enforces it even if
// index.html's meta tag were stripped.
const securityHeaders: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const httpStatus: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  BACKEND_NOT_FOUND: 404,
  RECORD_NOT_FOUND: 404,
  CERT_NOT_FOUND: 404,
  UNKNOWN_COMMAND: 404,
  ROUTE_EXISTS: 409,
  BACKEND_EXISTS: 409,
  PROXY_LOOP: 409,
  // The store refused a write (locked, full, read-only): the request was fine, try again later.
  STORE_BUSY: 503,
  STORE_FULL: 507,
  STORE_READ_ONLY: 503,
  STORE_FAILED: 503,
  INTERNAL: 500,
};

function sendJson(res: ServerResponse, status: number, body: Envelope<unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...securityHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: ErrorPayload): void {
  sendJson(res, httpStatus[error.code] ?? 400, { ok: false, error });
}

class BodyTooLarge extends Error {}

/** The command name from the URL, or undefined when it is not valid percent-encoding (`%ZZ`). */
function commandName(encoded: string): CommandName | undefined {
  try {
    return decodeURIComponent(encoded) as CommandName;
  } catch {
    return undefined;
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new BodyTooLarge('The request body is larger than 1 MB.');
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) reject(tooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.trim() === '' ? {} : JSON.parse(text));
      } catch {
        reject(new Error('The request body is not valid JSON.'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * The headless shell's transport: POST /api/v1/commands/<name> for every
 * command in the table, a WebSocket for events, and the built UI. Loopback
 * only; Host, Origin and token are checked before anything else.
 */
export class AdminServer {
  private servers: Server[] = [];
  // Loaded when the first UI connects: `ws` costs ~9 MB resident, and a
  // headless proxy often runs with no UI open.
  private wss: WebSocketServer | undefined;
  private port = 0;
  /** Replaced by `rotateToken`; every request and event socket is checked against the current one. */
  private token: string;
  private listening = false;
  private closed = false;

  constructor(private readonly options: AdminServerOptions) {
    this.token = options.token;
  }

  private readonly broadcast = (event: unknown) => {
    const text = JSON.stringify(event);
    for (const client of this.wss?.clients ?? []) if (client.readyState === client.OPEN) client.send(text);
  };

  /**
   * Listens to the core's events only while an event socket is open: the core
   * builds its live snapshots (every backend, up to 4 a second) only when
   * someone listens, and with 500 checked backends building and serialising
   * them for nobody was most of an idle serve's CPU (bench/idle.mjs).
   */
  private followClients(): void {
    const wanted = !this.closed && (this.wss?.clients.size ?? 0) > 0;
    if (wanted === this.listening) return;
    this.listening = wanted;
    if (wanted) this.options.core.events.on('event', this.broadcast);
    else this.options.core.events.off('event', this.broadcast);
  }

  async listen(): Promise<number> {
    const { servers, bound } = await listenAll(
      () => {
        const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
          // Every admin request, bad or good, ends in a response: an unexpected
          // throw is answered 500 here instead of reaching the process.
          this.handle(req, res).catch((error: unknown) => this.failed(req, res, error));
        });
        server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
        return server;
      },
      ['127.0.0.1'],
      this.options.port,
      this.options.portName,
    );
    this.servers = servers;
    this.port = bound[0]!.port;
    return this.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The current token, for the connection file and the UI address. */
  get currentToken(): string {
    return this.token;
  }

  /**
   * A new token, at once: the old one is refused from the next request, and
   * event sockets opened with it are closed (an open tab shows it lost the
   * connection and asks for the new address).
   */
  rotateToken(token: string): void {
    this.token = token;
    for (const client of this.wss?.clients ?? []) client.close(policyViolation, 'The admin token was rotated.');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.followClients();
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    await Promise.all(this.servers.map((server) => closeServer(server, 500)));
  }

  private refusal(req: IncomingMessage): ErrorPayload | undefined {
    if (!isAllowedHost(req.headers.host, this.port)) {
      return { code: 'FORBIDDEN', message: 'The admin API answers only to 127.0.0.1, localhost or [::1] with its own port.' };
    }
    if (!isAllowedOrigin(req.headers.origin, this.port)) {
      return { code: 'FORBIDDEN', message: 'Cross-origin requests to the admin API are refused.' };
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = this.refusal(req);
    if (refused) return sendError(res, refused);
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (!pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      return serveStatic(this.options.rendererDir, req, res, securityHeaders);
    }
    if (!tokenMatches(bearerToken(req), this.token)) {
      return sendError(res, {
        code: 'UNAUTHORIZED',
        message: 'The admin token is missing or wrong. Open the URL `switchyard serve` printed, or use the CLI.',
      });
    }
    if (!pathname.startsWith(adminPath.commandPrefix) || req.method !== 'POST') {
      return sendError(res, { code: 'UNKNOWN_COMMAND', message: `No admin endpoint ${req.method} ${pathname}.` });
    }
    let input: unknown;
    try {
      input = await readJson(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) res.setHeader('connection', 'close');
      return sendJson(res, error instanceof BodyTooLarge ? 413 : 400, {
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: (error as Error).message },
      });
    }
    const name = commandName(pathname.slice(adminPath.commandPrefix.length));
    if (name === undefined) {
      return sendError(res, { code: 'UNKNOWN_COMMAND', message: `No admin endpoint ${req.method} ${pathname}: the command name is not valid percent-encoding.` });
    }
    const envelope = await this.options.core.execute(name, input);
    if (envelope.ok) sendJson(res, 200, envelope);
    else sendError(res, envelope.error);
  }

  private failed(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    this.options.log?.(`admin ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, { code: 'INTERNAL', message: 'The admin API hit an unexpected error; it is logged where Switchyard runs. Try again.' });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = this.refusal(req)
      ? '403 Forbidden'
      : url.pathname !== adminPath.events
        ? '404 Not Found'
        : !tokenMatches(url.searchParams.get('token'), this.token)
          ? '401 Unauthorized'
          : undefined;
    if (refused) {
      socket.end(`HTTP/1.1 ${refused}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    import('ws')
      .then(({ WebSocketServer }) => {
        const wss = (this.wss ??= new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 }));
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          // ws drops a closed socket from `clients` before our 'close' listener runs.
          ws.once('close', () => this.followClients());
          this.followClients();
          wss.emit('connection', ws, req);
        });
      })
      .catch((error: unknown) => {
        this.options.log?.(`admin event socket failed: ${(error as Error).stack ?? String(error)}`);
        socket.destroy();
      });
  }
}
