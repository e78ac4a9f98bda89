import net from 'node:net';

/**
 * Sends raw bytes to a port and collects everything that comes back until
 * the server closes the connection or `quietMs` pass without new bytes.
 */
export function rawExchange(port: number, data: string | Buffer, quietMs = 300): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), quietMs);
    };
    socket.on('connect', () => {
      socket.write(data);
      quiet();
    });
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      quiet();
    });
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? finish(true) : reject(error)));
  });
}

/** The status codes of every response in a raw answer, in order. */
export const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
