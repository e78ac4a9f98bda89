import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { freePort, must, proxyPort, request, withCore } from '../helpers/core';

// Found by the soak (bench/soak.mjs): a keep-alive client whose upload got
// a 502 had its next request on that connection reset, because the proxy
// closed a connection it had not said it would close.
const HOST = 'early.localhost';
const BODY_BYTES = 64 * 1024;
const ROUNDS = 5;

describe('an answer given before the request body was read', () => {
  let core: Core;
  withCore((c) => (core = c));

  it('says Connection: close, so a keep-alive client never sends its next request into the closing connection', async () => {
    const dead = await freePort();
    await must(core.run('routes.create', { host: HOST, backends: [{ url: `http://127.0.0.1:${dead}` }], settings: { healthCheck: 'off' } }));
    const port = proxyPort(core);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const body = 'x'.repeat(BODY_BYTES);
        const upload = await request(port, HOST, '/upload', { method: 'POST', body, headers: { 'content-length': String(body.length) }, agent });
        expect(upload.status).toBe(502);
        expect(upload.headers.connection).toBe('close');
        // Answered (the backend is down, so 502), not ECONNRESET.
        expect((await request(port, HOST, '/', { agent })).status).toBe(502);
      }
    } finally {
      agent.destroy();
    }
  });
});
