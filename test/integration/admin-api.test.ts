import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createAdminClient } from '../../src/shared/admin-client';
import { serve, type RunningServe } from '../../src/main/headless/serve';
import { readConnection } from '../../src/main/headless/connection-file';
import { tempDir } from '../helpers/core';
import { messageText } from '../helpers/ws-text';
import { statSync } from 'node:fs';

function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function wsOutcome(url: string, headers: Record<string, string> = {}): Promise<{ opened: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => resolve({ opened: ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode! }));
    ws.on('error', reject);
  });
}

describe('headless admin API', () => {
  const dir = tempDir();
  let running: RunningServe;
  let port: number;
  const post = (name: string, headers: Record<string, string>, body = '{}') =>
    raw(`${running.adminUrl}/api/v1/commands/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const auth = () => ({ authorization: `Bearer ${running.token}` });

  beforeAll(async () => {
    running = await serve({ dataDir: dir.path, httpPort: 0, httpsPort: 0, adminPort: 0, rendererDir: join(__dirname, '../../out/renderer') });
    port = Number(new URL(running.adminUrl).port);
  });
  afterAll(async () => {
    await running.stop();
    dir.remove();
  });

  it('writes the connection details 0600 with a strong token', () => {
    const connection = readConnection(dir.path)!;
    expect(connection).toMatchObject({ pid: process.pid, adminUrl: running.adminUrl, token: running.token });
    expect(connection.token.length).toBeGreaterThanOrEqual(40);
    expect(statSync(join(dir.path, 'connection.json')).mode & 0o777).toBe(0o600);
  });

  it('answers a command name that is not valid percent-encoding, and keeps serving', async () => {
    // decodeURIComponent('%ZZ') throws; it used to end the whole process.
    const res = await post('%ZZ', auth());
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect((await post('status', auth())).status).toBe(200);
  });

  it('an exchange no longer kept is a 404 with RECORD_NOT_FOUND and a sentence', async () => {
    const res = await post('traffic.get', auth(), JSON.stringify({ id: 999_999 }));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'RECORD_NOT_FOUND', field: 'id' } });
  });

  it('runs commands with the token', async () => {
    const res = await post('routes.list', auth());
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, result: [] });
  });

  it('refuses a missing or wrong token', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: running.token }] as Record<string, string>[]) {
      const res = await post('routes.list', headers);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses a foreign Host (DNS rebinding) even with the token', async () => {
    const res = await post('routes.list', { ...auth(), host: `evil.example:${port}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('FORBIDDEN');
    const page = await raw(`${running.adminUrl}/`, { headers: { host: `rebind.example:${port}` } });
    expect(page.status).toBe(403);
  });

  it('refuses a foreign Origin even with the token, and accepts its own', async () => {
    const foreign = await post('routes.create', { ...auth(), origin: 'http://evil.example' }, '{"host":"x.localhost"}');
    expect(foreign.status).toBe(403);
    const own = await post('routes.list', { ...auth(), origin: `http://127.0.0.1:${port}` });
    expect(own.status).toBe(200);
    const list = JSON.parse((await post('routes.list', auth())).body);
    expect(list.result).toEqual([]);
  });

  it('answers bad input with typed errors and HTTP status codes', async () => {
    const invalid = await post('routes.create', auth(), '{"host":');
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/JSON/) });
    const unknown = await post('routes.explode', auth());
    expect(JSON.parse(unknown.body).error.code).toBe('UNKNOWN_COMMAND');
    const huge = await post('routes.create', auth(), JSON.stringify({ host: 'a'.repeat(1024 * 1024 + 10) }));
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body).error.message).toMatch(/larger than 1 MB/);
  });

  it('serves the UI with a strict CSP, without the token, and nothing outside its folder', async () => {
    const page = await raw(`${running.adminUrl}/`, {});
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    for (const path of ['/../../package.json', '/%2e%2e/%2e%2e/package.json', '/assets/%00x', '/%E0%A4%A']) {
      expect((await raw(`${running.adminUrl}${path}`, {})).status).toBe(404);
    }
  });

  it('streams events over a WebSocket that carries the token, and refuses others', async () => {
    const events = `ws://127.0.0.1:${port}/api/v1/events`;
    expect(await wsOutcome(events)).toEqual({ status: 401 });
    expect(await wsOutcome(`${events}?token=wrong`)).toEqual({ status: 401 });
    expect(await wsOutcome(`${events}?token=${running.token}`, { origin: 'http://evil.example' })).toEqual({ status: 403 });

    const outcome = await wsOutcome(`${events}?token=${running.token}`, { origin: `http://127.0.0.1:${port}` });
    if (!('opened' in outcome)) throw new Error(`WebSocket refused: ${outcome.status}`);
    const message = new Promise<string>((resolve) => outcome.opened.once('message', (data) => resolve(messageText(data))));
    await post('routes.create', auth(), '{"host":"live.localhost"}');
    const event = JSON.parse(await message);
    expect(event).toMatchObject({ name: 'config.changed', payload: { routes: [expect.objectContaining({ host: 'live.localhost' })] } });
    outcome.opened.close();
  });

  // The core builds its live snapshots only when someone listens (core.ts
  // pushLive); a listener held with no socket open made an idle serve build
  // and serialise every backend's status up to 4 times a second for nobody.
  it('listens to the core only while an event socket is open', async () => {
    const listeners = () => running.core.events.listenerCount('event');
    await vi.waitFor(() => expect(listeners()).toBe(0));
    const outcome = await wsOutcome(`ws://127.0.0.1:${port}/api/v1/events?token=${running.token}`);
    if (!('opened' in outcome)) throw new Error(`WebSocket refused: ${outcome.status}`);
    expect(listeners()).toBe(1);
    outcome.opened.close();
    await vi.waitFor(() => expect(listeners()).toBe(0));
  });

  it('the shared client (used by the UI and CLI) gets typed results and errors', async () => {
    const client = createAdminClient({ baseUrl: running.adminUrl, token: running.token });
    const created = await client.invoke('routes.create', { host: 'client.localhost', backends: [{ url: 'http://127.0.0.1:4000' }] });
    expect(created).toMatchObject({ ok: true, result: { host: 'client.localhost' } });
    expect(await client.invoke('routes.create', { host: 'client.localhost' })).toMatchObject({ ok: false, error: { code: 'ROUTE_EXISTS' } });
    const wrong = createAdminClient({ baseUrl: running.adminUrl, token: 'x'.repeat(43) });
    expect(await wrong.invoke('routes.list', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });
});
