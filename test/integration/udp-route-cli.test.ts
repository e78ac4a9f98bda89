import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startServe, type ServeProcess } from '../helpers/cli';
import { tempDir } from '../helpers/core';
import { freeUdpPort, udpBackend, udpClient, type UdpBackend, type UdpClient } from '../helpers/udp';

// The CLI names a UDP route by its udp:// URL everywhere a host goes: route
// add, route list, route set, backend disable|enable|drain, status. Runs the
// built CLI against a real `switchyard serve`.

const answeredBy = (reply: Buffer) => reply.toString().split(':')[0];

describe('UDP routes from the CLI', { timeout: 60_000 }, () => {
  const dir = tempDir();
  let serve: ServeProcess;
  let alpha: UdpBackend;
  let beta: UdpBackend;
  let port: number;
  let url: string;
  const clients: UdpClient[] = [];
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);
  const client = async () => {
    const started = await udpClient();
    clients.push(started);
    return started;
  };

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([udpBackend('alpha'), udpBackend('beta')]);
    serve = await startServe(dir.path);
    port = await freeUdpPort();
    url = `udp://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
    await Promise.all([alpha.close(), beta.close(), ...clients.map((c) => c.close())]);
    dir.remove();
  });

  it('route add takes a udp:// URL and udp:// backends, and the route answers at once', async () => {
    const added = await run('route', 'add', `UDP://localhost:${port}`, '--backend', alpha.url, '--backend', beta.url);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain(`Added ${url} → ${alpha.url}, ${beta.url}`);
    expect(added.stdout).toContain(`Try it: nc -u 127.0.0.1 ${port}`);
    const names = [];
    for (let i = 0; i < 2; i++) names.push(answeredBy(await (await client()).ask(port, 'hi')));
    expect(names).toEqual(['alpha', 'beta']);
  });

  it('route list and status show it by its URL, with its socket, sessions and datagrams, and say it is not checked', async () => {
    const list = await run('route', 'list');
    expect(list.stdout).toMatch(new RegExp(`${url.replace(/[.:/]/g, '\\$&')}\\s+/\\s+round-robin\\s+${alpha.url}, ${beta.url}`));
    const status = await run('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`udp 127.0.0.1:${port}`);
    expect(status.stdout).toContain(`${url}  (round-robin, checks: off)`);
    expect(status.stdout).toContain('2 sessions, ');
    expect(status.stdout).toMatch(/1 sessions\s+1 datagrams \(2 B\) in 1 \(8 B\) out/);
    expect(status.stdout).toContain('Not checked: UDP has no connection to test');
  });

  it('route set takes udpResponses and a UDP probe; backend disable, enable and drain take the route URL', async () => {
    const set = await run('route', 'set', url, '--set', 'udpResponses=1', '--set', 'healthCheck=udp', '--set', 'healthSend=ping', '--set', 'healthExpect=alpha:ping', '--set', 'healthIntervalMs=200', '--set', 'healthFall=1');
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toContain('udpResponses=1');
    expect(set.stdout).toContain('healthCheck=udp');
    // beta answers "beta:ping": its checks fail; only alpha takes traffic.
    let status = '';
    for (let i = 0; i < 100 && !/unhealthy\s+udp:\S+ .*the reply lacks "alpha:ping"/.test(status); i++) {
      status = (await run('status')).stdout;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toMatch(/unhealthy\s+udp:\S+ .*the reply lacks "alpha:ping"/);
    await run('route', 'set', url, '--set', 'healthCheck=off');

    const disabled = await run('backend', 'disable', url, alpha.url);
    expect(disabled).toMatchObject({ code: 0, stderr: '' });
    expect(disabled.stdout).toContain(`Disabled backend ${alpha.url} of ${url}`);
    const c = await client();
    for (let i = 0; i < 2; i++) expect(answeredBy(await c.ask(port, 'q'))).toBe('beta');
    expect((await run('backend', 'enable', url, alpha.url)).code).toBe(0);
    const drained = await run('backend', 'drain', url, beta.url);
    expect(drained.stdout).toContain(`Draining backend ${beta.url} of ${url}`);
    expect(answeredBy(await (await client()).ask(port, 'q'))).toBe('alpha');
  });

  it('refuses TCP-only settings and tcp backends on a UDP route, with a sentence', async () => {
    const other = `udp://127.0.0.1:${await freeUdpPort()}`;
    const retries = await run('route', 'add', other, '--backend', alpha.url, '--set', 'connectTimeoutMs=100');
    expect(retries.code).toBe(1);
    expect(retries.stderr).toContain('connectTimeoutMs applies to connections: UDP has none to make. Leave it out.');
    const tcp = await run('route', 'add', other, '--backend', 'tcp://127.0.0.1:5432');
    expect(tcp.code).toBe(1);
    expect(tcp.stderr).toContain("A UDP route's backends are udp:// URLs, for example udp://127.0.0.1:5353; tcp://127.0.0.1:5432 is not one.");
  });
});
