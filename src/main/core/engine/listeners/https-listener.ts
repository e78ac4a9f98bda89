import type { Socket } from 'node:net';
import { Server as TlsServer, type TLSSocket } from 'node:tls';
import type { ListenerStatus } from '../../../../shared/commands';
import { listenAll } from '../../listen';
import type { ConnectionOptions } from '../http/http1/client-connection';
import { Http1Server, type RequestHandler, type UpgradeHandler } from '../http/http1/server';
import type { ListenerInfo } from '../http/message';
import type { RoutingTable } from '../routing/routing-table';
import type { HttpListenerSpec } from './http-listener';
import type { SniCertificates } from './sni-certificates';

// HTTPS: TLS in front of the same HTTP/1 connection code (and of HTTP/2 when
// the client's ALPN picks h2), as Caddy serves local names: every HTTP route
// answers here too, with a certificate from the local CA chosen by SNI from
// the routing table of the moment, so a new route needs no restart.

/** What serves the connections whose ALPN chose h2 (see http/h2). */
export interface SessionFront {
  accept(socket: TLSSocket): void;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

export interface HttpsListenerSpec extends HttpListenerSpec {
  certificates: SniCertificates;
  table: () => RoutingTable;
  /** A client that has not finished its handshake by then is cut (Node's default is 120 s). */
  handshakeTimeoutMs: number;
  onError: (context: string, error: unknown) => void;
}

export interface StartedHttpsListener {
  servers: HttpsServer[];
  bound: ListenerStatus[];
  /** The HTTP/1 side every TLS server of this listener hands its connections to. */
  http1: Http1Server;
  /** Stops the default certificate's renewal check (the servers are closed by the caller). */
  stop(): void;
}

const https: ListenerInfo = { scheme: 'https' };
const HTTP1 = 'http/1.1';
const H2 = 'h2';
/** How often the default certificate (no SNI) is checked for renewal; SNI certificates are checked at each handshake. */
const DEFAULT_CERTIFICATE_CHECK_MS = 60 * 60 * 1000;

export class HttpsServer extends TlsServer {
  /** Raw connections, for cutting the ones still in their handshake at shutdown. */
  private readonly raw = new Set<Socket>();

  constructor(
    options: ConstructorParameters<typeof TlsServer>[0],
    private readonly http1: Http1Server,
    private readonly h2: SessionFront | undefined,
  ) {
    super(options);
    this.on('connection', (socket: Socket) => {
      this.raw.add(socket);
      socket.once('close', () => this.raw.delete(socket));
    });
    this.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === H2 && this.h2) this.h2.accept(socket);
      else this.http1.accept(socket);
    });
    // A failed handshake (a client that does not trust the CA, a scanner) is
    // the client's business: Node destroys the socket; nothing to log per event.
    this.on('tlsClientError', () => {});
  }

  override close(callback?: (error?: Error) => void): this {
    this.http1.stopServing();
    super.close(callback);
    this.closeIdleConnections();
    return this;
  }

  closeIdleConnections(): void {
    this.http1.closeIdleConnections();
    this.h2?.closeIdleConnections();
  }

  closeAllConnections(): void {
    this.http1.closeAllConnections();
    this.h2?.closeAllConnections();
    for (const socket of this.raw) socket.destroy();
  }
}

/** One TLS server per address on one port, each handing decrypted connections to HTTP/1 or h2. */
export async function startHttpsListener(
  spec: HttpsListenerSpec,
  connectionOptions: ConnectionOptions,
  onRequest: RequestHandler,
  onUpgrade: UpgradeHandler,
  h2: SessionFront | undefined,
): Promise<StartedHttpsListener> {
  const { certificates, table, onError } = spec;
  const defaults = await certificates.defaultCredentials();
  const http1 = new Http1Server(connectionOptions, onRequest, onUpgrade, https);
  const { servers, bound } = await listenAll(
    () => {
      const server = new HttpsServer(
        {
          // The default certificate answers clients without SNI and names no route has.
          SNICallback: (servername, done) => {
            const held = certificates.heldFor(servername, table());
            if (held !== undefined) return done(null, held ?? undefined);
            // forServername never rejects: a name the CA refuses or cannot make gets the default certificate.
            void certificates.forServername(servername, table()).then((context) => done(null, context));
          },
          ...defaults,
          ALPNProtocols: h2 ? [H2, HTTP1] : [HTTP1],
          handshakeTimeout: spec.handshakeTimeoutMs,
          noDelay: true,
        },
        http1,
        h2,
      );
      server.maxConnections = spec.maxConnections;
      return server;
    },
    spec.addresses,
    spec.port,
    spec.portName,
  );
  const renewal = setInterval(() => {
    if (!certificates.defaultIsStale()) return;
    certificates.defaultCredentials().then(
      (credentials) => servers.forEach((server) => server.setSecureContext(credentials)),
      (error: unknown) => onError('the default certificate', error),
    );
  }, DEFAULT_CERTIFICATE_CHECK_MS);
  renewal.unref();
  return { servers, http1, bound: bound.map((b): ListenerStatus => ({ kind: 'https', ...b })), stop: () => clearInterval(renewal) };
}
