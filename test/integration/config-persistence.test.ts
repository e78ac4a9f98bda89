import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/core';
import { startBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';

describe('config survives a restart', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('serves the same routes after the core is stopped and started on the same data dir', async () => {
    const [alpha, beta] = await Promise.all([startBackend('alpha'), startBackend('beta')]);
    const first = await startCore(dir.path);
    const route = await must(first.run('routes.create', { host: 'keep.localhost', path: '/app', backends: [{ url: alpha.url }, { url: beta.url, weight: 3 }] }));
    await must(first.run('backends.setEnabled', { id: route.backends[0]!.id, enabled: false }));
    const before = await must(first.run('routes.list', {}));
    await first.stop();

    const second = await startCore(dir.path);
    expect(await must(second.run('routes.list', {}))).toEqual(before);
    // The timeline is persisted too: the creation and the switch-off are still there.
    const kept = await must(second.run('timeline.list', { routeId: route.id }));
    expect(kept.map((e) => e.message)).toEqual([
      `Backend ${alpha.url} switched off.`,
      'Route keep.localhost/app created (round-robin, 2 backends).',
    ]);
    expect((await request(proxyPort(second), 'keep.localhost', '/app/x')).body).toBe('beta');
    await second.stop();
    await Promise.all([alpha.close(), beta.close()]);
  });
});

describe('start-up failures are typed and explained', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('PORT_IN_USE names the port and the flag to change it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    await expect(Core.start({ dataDir: dir.path, httpPort: port, httpAddresses: ['127.0.0.1'] })).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      message: expect.stringMatching(new RegExp(`Port ${port}.*--http-port`)),
    });
    await new Promise((resolve) => blocker.close(resolve));
    // The failed start released the database: a new start on the same dir works.
    const core = await startCore(dir.path);
    await core.stop();
  });
});
