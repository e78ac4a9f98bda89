import https from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Core } from '../../src/main/core/core';

export function httpsPort(core: Core): number {
  const listener = core.engine.listeners().find((l) => l.kind === 'https');
  if (!listener) throw new Error('this core has no HTTPS listener');
  return listener.port;
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  certificate: PeerCertificate;
  tlsVersion: string | null;
  alpn: string | false | null;
  reused: boolean;
  session: Buffer | undefined;
}

/**
 * One HTTPS request to 127.0.0.1:port naming `servername` (SNI and Host), on
 * a fresh connection, trusting only `ca` (the exported root): what a browser
 * that trusts the local CA does. Node checks the certificate against the
 * servername, or against 127.0.0.1's IP SAN when there is none.
 */
export function httpsRequest(
  port: number,
  servername: string | undefined,
  path: string,
  options: { ca: string; session?: Buffer; headers?: Record<string, string>; verify?: boolean; alpn?: string[] },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    const requestOptions: https.RequestOptions & { session?: Buffer; ALPNProtocols?: string[] } = {
        host: '127.0.0.1',
        port,
        path,
        servername,
        headers: { host: servername ?? `127.0.0.1:${port}`, ...options.headers },
        ca: options.ca,
        rejectUnauthorized: options.verify ?? true,
        ALPNProtocols: options.alpn,
        agent: false,
        session: options.session,
      };
    const req = https.request(requestOptions, (res) => {
        const socket = res.socket as TLSSocket;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            certificate: socket.getPeerCertificate(),
            tlsVersion: socket.getProtocol(),
            alpn: socket.alpnProtocol,
            reused: socket.isSessionReused(),
            session,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('socket', (socket) => socket.on('session', (s: Buffer) => (session = s)));
    req.on('error', reject);
    req.end();
  });
}
