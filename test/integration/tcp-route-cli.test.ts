import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startServe, type ServeProcess } from '../helpers/cli';
import { freePort, tempDir } from '../helpers/core';
import { greeted, tcpBackend, type TcpBackend } from '../helpers/tcp';

// The CLI names a TCP route by its URL everywhere a host goes: route add,
// route list, backend disable|enable|drain, status. Runs the built CLI
// against a real `switchyard serve`.

describe('TCP routes from the CLI', { timeout: 60_000 }, () => {
  const dir = tempDir();
  let serve: ServeProcess;
  let alpha: TcpBackend;
  let beta: TcpBackend;
  let port: number;
  let url: string;
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([tcpBackend('alpha'), tcpBackend('beta')]);
    serve = await startServe(dir.path);
    port = await freePort();
    url = `tcp://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
    await Promise.all([alpha.close(), beta.close()]);
    dir.remove();
  });

  it('route add takes a tcp:// URL and tcp:// backends, and the route listens at once', async () => {
    const added = await run('route', 'add', `TCP://localhost:${port}`, '--backend', alpha.url, '--backend', beta.url, '--algorithm', 'least-connections', '--set', 'healthCheck=off');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain(`Added ${url} → ${alpha.url}, ${beta.url}`);
    expect(added.stdout).toContain(`Try it: nc 127.0.0.1 ${port}`);
    const first = await greeted(port);
    const second = await greeted(port);
    expect([first.name, second.name]).toEqual(['alpha', 'beta']);
    first.client.socket.destroy();
    second.client.socket.destroy();
  });

  it('route list and status show it by its URL, with its listener', async () => {
    const list = await run('route', 'list');
    expect(list.stdout).toMatch(new RegExp(`${url.replace(/[.:/]/g, '\\$&')}\\s+/\\s+least-connections\\s+${alpha.url}, ${beta.url}`));
    const status = await run('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`tcp 127.0.0.1:${port}`);
    expect(status.stdout).toContain(`${url}  (least-connections, checks: off)`);
    expect(status.stdout).toMatch(/connections, /);
  });

  it('backend disable, enable and drain take the route URL', async () => {
    const disabled = await run('backend', 'disable', url, alpha.url);
    expect(disabled).toMatchObject({ code: 0, stderr: '' });
    expect(disabled.stdout).toContain(`Disabled backend ${alpha.url} of ${url}`);
    for (let i = 0; i < 2; i++) {
      const { name, client } = await greeted(port);
      expect(name).toBe('beta');
      client.socket.destroy();
    }
    expect((await run('backend', 'enable', url, alpha.url)).code).toBe(0);
    const drained = await run('backend', 'drain', url, beta.url);
    expect(drained.stdout).toContain(`Draining backend ${beta.url} of ${url}`);
    const { name, client } = await greeted(port);
    expect(name).toBe('alpha');
    client.socket.destroy();
  });

  it('refuses HTTP-only settings and http backends on a TCP route, with a sentence', async () => {
    const other = `tcp://127.0.0.1:${await freePort()}`;
    const sticky = await run('route', 'add', other, '--backend', alpha.url, '--set', 'sticky=cookie');
    expect(sticky.code).toBe(1);
    expect(sticky.stderr).toContain('sticky applies to HTTP routes only: a TCP route relays bytes without reading them.');
    const http = await run('route', 'add', other, '--backend', 'http://127.0.0.1:3000');
    expect(http.code).toBe(1);
    expect(http.stderr).toContain("A TCP route's backends are tcp:// URLs, for example tcp://127.0.0.1:5432; http://127.0.0.1:3000 is not one.");
  });

  it('a port another program holds is reported by status, and serve runs on', async () => {
    const taken = serve.connection.httpPort;
    const added = await run('route', 'add', `tcp://127.0.0.1:${taken}`, '--backend', alpha.url);
    expect(added.code).toBe(0);
    const status = await run('status');
    expect(status.stdout).toContain(`Problem:  TCP route tcp://127.0.0.1:${taken} takes no connections: port ${taken} on 127.0.0.1 is already in use by another program.`);
    expect((await run('route', 'remove', `tcp://127.0.0.1:${taken}`)).code).toBe(0);
    expect((await run('status')).stdout).not.toContain('Problem:');
  });
});
