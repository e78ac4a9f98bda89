import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient } from '../../src/shared/admin-client';
import { startBackend, type TestBackend } from '../helpers/backends';
import { startServe, type ServeProcess } from '../helpers/cli';
import { request, tempDir } from '../helpers/core';

/**
 * A real `switchyard serve` with throws injected inside the libraries it
 * calls (test/helpers/inject-faults.cjs): in a health check, in every
 * timeline write, in an admin handler, and errors that escape everything (a
 * throwing timer, an unhandled rejection) for the process guard. Through all
 * of it the proxy keeps answering and each error is logged with context.
 */
describe('nothing stops the proxy: injected throws', () => {
  const dir = tempDir();
  let serve: ServeProcess;
  let backend: TestBackend;
  let proxyPort: number;
  const admin = () => createAdminClient({ baseUrl: serve.connection.adminUrl, token: serve.connection.token });

  beforeAll(async () => {
    backend = await startBackend('app');
    serve = await startServe(dir.path, [], {
      nodeArgs: ['--require', join(__dirname, '..', 'helpers', 'inject-faults.cjs')],
      env: { SWITCHYARD_TEST_FAULTS: 'check,timeline,admin,escape' },
    });
    proxyPort = serve.connection.httpPort;
  });
  afterAll(async () => {
    await serve?.stop();
    await backend.close();
    dir.remove();
  });

  async function proxyAnswers(): Promise<void> {
    for (let i = 0; i < 20; i++) expect((await request(proxyPort, 'demo.localhost')).body).toBe('app');
  }

  it('a route is created although its timeline entry throws, and the proxy serves it', async () => {
    const created = await admin().invoke('routes.create', { host: 'demo.localhost', backends: [{ url: backend.url }] });
    expect(created.ok).toBe(true);
    await proxyAnswers();
    expect(serve.output()).toMatch(/recording "Route demo\.localhost created[^"]*" failed unexpectedly \(Switchyard keeps running\): Error: injected: a timeline write threw/);
  });

  it('a health check that throws is a failed check with the reason; the proxy keeps answering', async () => {
    const created = await admin().invoke('routes.create', {
      host: 'checked.localhost',
      settings: { healthCheck: 'http', healthPath: '/inject-throw', healthIntervalMs: 100 },
      backends: [{ url: backend.url }],
    });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.result.backends[0]!.id;
    const deadline = Date.now() + 5_000;
    let status = '';
    while (Date.now() < deadline && status !== 'unhealthy') {
      const live = await admin().invoke('backends.live', {});
      if (live.ok) status = live.result.backends[id]!.status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('unhealthy');
    const live = await admin().invoke('backends.live', {});
    expect(live.ok && live.result.backends[id]!.reason).toContain('the check could not be sent: injected: a health check threw');
    await proxyAnswers();
  });

  it('an admin handler that throws answers 500 with a sentence, and the next command works', async () => {
    const res = await fetch(`${serve.connection.adminUrl}/api/v1/commands/inject-admin-throw`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.connection.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('Try again') } });
    expect(serve.output()).toContain('Error: injected: an admin handler threw');
    expect((await admin().invoke('status', {})).ok).toBe(true);
    await proxyAnswers();
  });

  it('an uncaught exception and an unhandled rejection are logged by the process guard, and the process stays up', async () => {
    expect(serve.output()).toMatch(/unexpected error \(uncaughtException\); Switchyard keeps running\. Please report it: Error: injected: an uncaught exception in a timer/);
    expect(serve.output()).toMatch(/unexpected error \(unhandled promise rejection\); Switchyard keeps running\. Please report it: Error: injected: an unhandled rejection/);
    expect(serve.child.exitCode).toBeNull();
    await proxyAnswers();
    // And it still stops cleanly when asked.
    expect(await serve.stop()).toBe(0);
  });
});
