import type { Socket } from 'node:net';
import { ProxyResponse, type ResponseSink } from './proxy-response';
import type { ProxyRequest } from './proxy-request';
import type { UpgradableResponse } from '../message';

/** An upgrade's connection closes after any answer that is not a switch: what follows is not HTTP we could parse. */
class ClosingSink implements ResponseSink {
  constructor(readonly socket: Socket) {}

  keepAlive(): boolean {
    return false;
  }

  responseDone(): void {
    this.socket.end();
  }
}

/**
 * The response to a request that asked to switch protocols (WebSocket,
 * HMR). It answers like any response (an error page, the backend's 401)
 * and closes, or switches: `switchProtocols` sends the 101 head and hands
 * the client's socket over for the tunnel.
 */
export class UpgradeResponse extends ProxyResponse implements UpgradableResponse {
  private switched = false;

  constructor(
    private readonly socket: Socket,
    req: ProxyRequest,
  ) {
    super(new ClosingSink(socket), req.method, req.minor);
    // A client that goes away before an answer: the exchange stops its attempt.
    socket.once('close', () => {
      if (!this.switched && !this.finished) this.closed();
    });
    socket.on('error', () => socket.destroy());
    socket.on('drain', () => {
      if (!this.switched) this.drained();
    });
  }

  switchProtocols(reason: string | undefined, headers: readonly string[]): Socket {
    this.switched = true;
    this.headersSent = true;
    let head = `HTTP/1.1 101 ${reason || 'Switching Protocols'}\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    this.socket.write(`${head}\r\n`, 'latin1');
    return this.socket;
  }
}
