import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * Hands a client's request body to the upstream client without giving it the
 * client's stream: undici destroys the body stream it is given when a request
 * fails, which would kill the client connection before we could answer 502.
 * The relay reads nothing until the upstream client asks (after it has
 * connected), so `started` says whether any body byte left the client stream.
 */
export class BodyRelay extends Readable {
  started = false;
  private readonly onData = (chunk: Buffer) => {
    if (!this.push(chunk)) this.source.pause();
  };
  private readonly onEnd = () => this.push(null);
  private readonly onError = (error: Error) => this.destroy(error);
  private readonly onAborted = () => this.destroy(new Error('The client aborted its request body.'));

  constructor(private readonly source: IncomingMessage) {
    super();
  }

  override _read(): void {
    if (!this.started) {
      this.started = true;
      this.source.on('data', this.onData);
      this.source.once('end', this.onEnd);
      this.source.once('error', this.onError);
      this.source.once('aborted', this.onAborted);
    }
    this.source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.source.off('error', this.onError);
    this.source.off('aborted', this.onAborted);
    callback(error);
  }
}
