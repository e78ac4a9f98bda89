import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startServe, type ServeProcess } from '../helpers/cli';
import { freePort, tempDir } from '../helpers/core';
import { selfSigned, tlsBackend, tlsGreeting, type TlsBackend } from '../helpers/tls-passthrough';

// The CLI names a TLS passthrough route by its URL with its server name:
// route add, route list, backend disable|enable, status, and a TCP route
// refused on a port TLS routes share. Runs the built CLI against a real serve.

describe('TLS passthrough routes from the CLI', { timeout: 60_000 }, () => {
  const dir = tempDir();
  const certificates = { db: selfSigned('db.localhost'), web: selfSigned('web.localhost') };
  let serve: ServeProcess;
  let db: TlsBackend;
  let web: TlsBackend;
  let port: number;
  const run = (...args: string[]) => cli([...args, '--data-dir', dir.path]);

  beforeAll(async () => {
    [db, web] = await Promise.all([tlsBackend('db', certificates.db), tlsBackend('web', certificates.web)]);
    serve = await startServe(dir.path);
    port = await freePort();
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
    await Promise.all([db.close(), web.close()]);
    dir.remove();
  });

  it('route add takes tls:// URLs with a server name and tcp:// backends, and the names share the port at once', async () => {
    const added = await run('route', 'add', `TLS://localhost:${port}/DB.localhost`, '--backend', db.url, '--set', 'healthCheck=off', '--set', 'proxyProtocol=off');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain(`Added tls://127.0.0.1:${port}/db.localhost → ${db.url}`);
    expect(added.stdout).toContain(`Try it: openssl s_client -connect 127.0.0.1:${port} -servername db.localhost`);
    const second = await run('route', 'add', `tls://127.0.0.1:${port}/web.localhost`, '--backend', web.url, '--set', 'healthCheck=off');
    expect(second.code).toBe(0);
    expect(await tlsGreeting(port, 'db.localhost', certificates.db)).toMatchObject({ ok: true, greeting: 'db' });
    expect(await tlsGreeting(port, 'web.localhost', certificates.web)).toMatchObject({ ok: true, greeting: 'web' });
  });

  it('route list and status show each route by its URL, and one tls listener for the port', async () => {
    const list = await run('route', 'list');
    expect(list.stdout).toContain(`tls://127.0.0.1:${port}/db.localhost`);
    expect(list.stdout).toContain(`tls://127.0.0.1:${port}/web.localhost`);
    const status = await run('status');
    expect(status.code).toBe(0);
    expect(status.stdout.split(`tls 127.0.0.1:${port}`)).toHaveLength(2);
    expect(status.stdout).toContain(`tls://127.0.0.1:${port}/db.localhost  (round-robin, checks: off)`);
    expect(status.stdout).toMatch(/connections, /);
  });

  it('backend disable takes the route URL with its name', async () => {
    const disabled = await run('backend', 'disable', `tls://127.0.0.1:${port}/db.localhost`, db.url);
    expect(disabled).toMatchObject({ code: 0, stderr: '' });
    expect(await tlsGreeting(port, 'db.localhost', certificates.db)).toEqual({ ok: false, code: 'ECONNRESET' });
    expect(await tlsGreeting(port, 'web.localhost', certificates.web)).toMatchObject({ ok: true, greeting: 'web' });
    expect((await run('backend', 'enable', `tls://127.0.0.1:${port}/db.localhost`, db.url)).code).toBe(0);
    expect(await tlsGreeting(port, 'db.localhost', certificates.db)).toMatchObject({ ok: true, greeting: 'db' });
  });

  it('says what is wrong: no name, an https backend, a TCP route on the shared port, proxyProtocol on an HTTP route', async () => {
    const noName = await run('route', 'add', `tls://127.0.0.1:${port}`, '--backend', db.url);
    expect(noName.code).not.toBe(0);
    expect(noName.stderr).toContain('names the server a client asks for after the port');
    const https = await run('route', 'add', `tls://127.0.0.1:${port}/api.localhost`, '--backend', 'https://127.0.0.1:8443');
    expect(https.stderr).toContain('tcp:// URLs of servers that speak TLS themselves');
    const tcp = await run('route', 'add', `tcp://127.0.0.1:${port}`, '--backend', db.url);
    expect(tcp.code).not.toBe(0);
    expect(tcp.stderr).toContain(`TLS passthrough routes (tls://127.0.0.1:${port}/db.localhost) share that port by server name`);
    const http = await run('route', 'add', 'api.localhost', '--backend', 'http://127.0.0.1:3000', '--set', 'proxyProtocol=v1');
    expect(http.stderr).toContain('proxyProtocol applies to TCP and TLS passthrough routes only');
  });
});
