import type { ResponseListener, ResponseMessage } from '../http/message';

/**
 * Where a background revalidation (stale-while-revalidate) writes: nobody
 * is waiting for it, so the body goes only into the cache. It ends like a
 * client's response would, so the exchange settles and records as usual.
 */
export class DiscardResponse implements ResponseMessage {
  headersSent = false;
  destroyed = false;
  private listener: ResponseListener | undefined;

  writeHead(): void {
    this.headersSent = true;
  }

  write(): boolean {
    return true;
  }

  end(): void {
    this.close();
  }

  destroy(): void {
    this.destroyed = true;
    this.close();
  }

  holdsChunks(): boolean {
    return false;
  }

  listen(listener: ResponseListener): void {
    this.listener = listener;
  }

  private close(): void {
    const listener = this.listener;
    this.listener = undefined;
    listener?.responseClosed();
  }
}
