import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { freePort, must, proxyPort, request, withCleanCore } from '../helpers/core';
import { rawExchange } from '../helpers/raw';
import { nextMessage, openWebSocket, wsBackend } from '../helpers/ws-backend';

// Upgrades (WebSocket, HMR) ride the same exchange as plain requests: the
// same timers, the same passive health and the same error page.

/** The connect timeout: well under how long the backend thinks before answering the upgrade. */
const connectTimeoutMs = 200;
/** Twice the connect timeout: a connect timer that ran to the response head would fire first. */
const upgradeAnswerDelayMs = 2 * connectTimeoutMs;
const ejectAfter = 2;

/** A WebSocket handshake as a browser sends it, with or without `Accept: text/html`. */
const upgradeRequest = (host: string, accept?: string) =>
  [
    'GET /socket HTTP/1.1',
    `Host: ${host}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ...(accept ? [`Accept: ${accept}`] : []),
    '',
    '',
  ].join('\r\n');

/** A raw answer (latin1, as `rawExchange` reads it) split into status, lower-cased headers and the body as UTF-8. */
function parseAnswer(text: string): { status: number; headers: Record<string, string>; body: string } {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: Buffer.from(text.slice(split + 4), 'latin1').toString() };
}

describe('upgrades go through the same exchange as requests', () => {
  let core: Core;
  const cleanups = withCleanCore((c) => (core = c));

  it('the connect timeout ends once connected: a backend slower to answer the upgrade than the connect timeout still opens the WebSocket', async () => {
    const slow = await wsBackend('slow', { upgradeDelayMs: upgradeAnswerDelayMs });
    cleanups.push(() => slow.close());
    await must(
      core.run('routes.create', {
        host: 'slow-ws.localhost',
        settings: { healthCheck: 'off', connectTimeoutMs },
        backends: [{ url: slow.url }],
      }),
    );
    const started = Date.now();
    const ws = await openWebSocket(proxyPort(core), 'slow-ws.localhost');
    expect(Date.now() - started).toBeGreaterThanOrEqual(upgradeAnswerDelayMs);
    const reply = nextMessage(ws);
    ws.send('hello');
    expect(await reply).toBe('slow: hello');
    ws.close();
  });

  it('a successful upgrade resets the passive failure count, so failures around it are not consecutive', async () => {
    const backend = await wsBackend('flaky', { http: (_req, res) => res.writeHead(503).end('overloaded') });
    cleanups.push(() => backend.close());
    const route = await must(
      core.run('routes.create', {
        host: 'flaky-ws.localhost',
        settings: { healthCheck: 'off', ejectAfter, ejectOn5xx: true },
        backends: [{ url: backend.url }],
      }),
    );
    const id = route.backends[0]!.id;
    const status = async () => (await must(core.run('backends.live', {}))).backends[id]!.status;

    expect((await request(proxyPort(core), 'flaky-ws.localhost')).status).toBe(503);
    const ws = await openWebSocket(proxyPort(core), 'flaky-ws.localhost');
    const reply = nextMessage(ws);
    ws.send('up');
    expect(await reply).toBe('flaky: up');
    ws.close();
    expect((await request(proxyPort(core), 'flaky-ws.localhost')).status).toBe(503);
    // Checks are off, so not ejected shows as unknown (it receives traffic).
    expect(await status()).toBe('unknown');

    // The same backend is ejected by two failures in a row, so the upgrade is what kept it in.
    expect((await request(proxyPort(core), 'flaky-ws.localhost')).status).toBe(503);
    expect(await status()).toBe('ejected');
  });

  it.each([
    { accept: 'text/html', contentType: 'text/html; charset=utf-8' },
    { accept: undefined, contentType: 'text/plain; charset=utf-8' },
  ])('a failed upgrade (Accept: $accept) gets the 502 error page plain requests get, and the connection closes', async ({ accept, contentType }) => {
    const closedPort = await freePort();
    await must(
      core.run('routes.create', {
        host: 'gone-ws.localhost',
        settings: { healthCheck: 'off', ejectAfter: 0 },
        backends: [{ url: `http://127.0.0.1:${closedPort}` }],
      }),
    );
    const answer = await rawExchange(proxyPort(core), upgradeRequest('gone-ws.localhost', accept));
    expect(answer.closed).toBe(true);
    const upgrade = parseAnswer(answer.text);
    expect(upgrade.status).toBe(502);
    expect(upgrade.headers).toMatchObject({ 'content-type': contentType, 'cache-control': 'no-store', connection: 'close' });
    expect(upgrade.body).toContain('Backend unreachable');

    const plain = await request(proxyPort(core), 'gone-ws.localhost', '/socket', { headers: accept ? { accept } : {} });
    expect(plain).toMatchObject({ status: 502, headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
    expect(upgrade.body).toBe(plain.body);
  });
});
