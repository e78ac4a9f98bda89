import type { ListenerStatus } from '../../../../shared/commands';
import { listenAll } from '../../listen';
import type { PortName } from '../../port-naming';
import type { ConnectionOptions } from '../http/http1/client-connection';
import { Http1Server, type RequestHandler, type UpgradeHandler } from '../http/http1/server';
import type { ListenerInfo } from '../http/message';

// Listeners: where clients come in. Each kind turns accepted connections
// into the engine's protocol-neutral messages and tells each request its
// scheme; plain HTTP/1 today, with TLS (https, h2), TCP and UDP as kinds
// of their own beside it. Limits shared by every connection are read live.

export interface HttpListenerSpec {
  addresses: readonly string[];
  port: number;
  /** Its listener kind and how the user sets it, named in a "port in use" error. */
  portName: PortName;
  maxConnections: number;
}

export interface StartedListener {
  servers: Http1Server[];
  bound: ListenerStatus[];
}

const plainHttp: ListenerInfo = { scheme: 'http' };

/** One HTTP/1 server per address, all on one port (loopback v4 and v6 by default). */
export async function startHttpListener(
  spec: HttpListenerSpec,
  connectionOptions: ConnectionOptions,
  onRequest: RequestHandler,
  onUpgrade: UpgradeHandler,
): Promise<StartedListener> {
  const { servers, bound } = await listenAll(
    () => {
      const server = new Http1Server(connectionOptions, onRequest, onUpgrade, plainHttp);
      server.maxConnections = spec.maxConnections;
      return server;
    },
    spec.addresses,
    spec.port,
    spec.portName,
  );
  return { servers, bound: bound.map((b) => ({ kind: 'http', ...b })) };
}
