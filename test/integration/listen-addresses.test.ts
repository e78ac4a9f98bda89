import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/core';
import { tempDir } from '../helpers/core';

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

async function hasIpv6Loopback(): Promise<boolean> {
  const probe = net.createServer();
  try {
    await listen(probe, 0, '::1');
    await close(probe);
    return true;
  } catch {
    return false;
  }
}

/** A port taken on [::1] by another program and free on 127.0.0.1 (a few tries: the two port spaces are separate). */
async function portTakenOnIpv6Only(): Promise<{ port: number; blocker: net.Server }> {
  for (let tries = 0; ; tries++) {
    const blocker = net.createServer();
    await listen(blocker, 0, '::1');
    const port = (blocker.address() as net.AddressInfo).port;
    const check = net.createServer();
    try {
      await listen(check, port, '127.0.0.1');
      await close(check);
      return { port, blocker };
    } catch (error) {
      await close(blocker);
      if (tries === 5) throw error;
    }
  }
}

const ipv6 = await hasIpv6Loopback();

describe('listening on both loopback addresses', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it.skipIf(!ipv6)('refuses to start when [::1] has our port taken, naming [::1], and leaves 127.0.0.1 free', async () => {
    const { port, blocker } = await portTakenOnIpv6Only();
    try {
      const failure: unknown = await Core.start({ dataDir: dir.path, httpPort: port, httpAddresses: ['127.0.0.1', '::1'] }).then(
        (core) => core.stop(),
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: 'PORT_IN_USE' });
      expect((failure as Error).message).toContain(`Port ${port} on [::1] is already in use`);
      // Nothing was left listening on 127.0.0.1: the port can be taken again.
      const after = net.createServer();
      await listen(after, port, '127.0.0.1');
      await close(after);
    } finally {
      await close(blocker);
    }
  });
});
