import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createAdminClient } from '../../src/shared/admin-client';
import { readConnection } from '../../src/main/headless/connection-file';
import { cli, startServe, type ServeProcess } from '../helpers/cli';
import { tempDir } from '../helpers/core';

// The token is in the UI's address, so in browser history and screenshots:
// `switchyard token rotate` makes a leaked one worthless at once.
describe('switchyard token rotate', () => {
  const dir = tempDir();
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServe(dir.path);
  });
  afterAll(async () => {
    await serve?.stop();
    dir.remove();
  });

  const status = (token: string) => createAdminClient({ baseUrl: serve.connection.adminUrl, token }).invoke('status', {});

  it('replaces the token of a running serve: the old one is refused, open event sockets are closed, the CLI follows', async () => {
    const old = serve.connection.token;
    const socket = new WebSocket(`${serve.connection.adminUrl.replace('http', 'ws')}/api/v1/events?token=${old}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

    const rotated = await cli(['token', 'rotate', '--data-dir', dir.path]);
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    const fresh = readConnection(dir.path)!.token;
    expect(fresh).not.toBe(old);
    expect(fresh.length).toBeGreaterThanOrEqual(40);
    expect(rotated.stdout).toContain(`#token=${fresh}`);

    expect(await closed).toBe(1008);
    expect(await status(old)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect((await status(fresh)).ok).toBe(true);
    // The CLI reads the new token from the connection file.
    expect((await cli(['status', '--data-dir', dir.path])).code).toBe(0);
  });

  it('with Switchyard stopped, the next start uses a new token', async () => {
    const before = readConnection(dir.path)!.token;
    expect(await serve.stop()).toBe(0);
    const offline = await cli(['token', 'rotate', '--data-dir', dir.path]);
    expect(offline).toMatchObject({ code: 0 });
    expect(offline.stdout).toMatch(/takes effect at the next start/);
    serve = await startServe(dir.path);
    expect(serve.connection.token).not.toBe(before);
    expect((await status(serve.connection.token)).ok).toBe(true);
    expect(await status(before)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });
});
