import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamPools } from '../../src/main/core/engine/upstream/upstream-pools';
import type { UpstreamTarget } from '../../src/main/core/engine/routing/routing-table';

// The upstream client reads into memory it reuses, unless the handler says it
// still holds what it was given. A handler that keeps every chunk without
// copying must therefore end up with the exact bytes the backend sent.
describe('upstream read buffers', () => {
  const body = randomBytes(4 * 1024 * 1024);
  let server: http.Server;
  let target: UpstreamTarget;
  const pools = new UpstreamPools();

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    target = { id: 1, url: `http://127.0.0.1:${port}`, protocol: 'http:', hostname: '127.0.0.1', port, hostport: `127.0.0.1:${port}`, weight: 1, stickyValue: 'x' };
  });
  afterAll(() => {
    pools.destroy();
    server.close();
  });

  function fetchHeld(holds: boolean): Promise<{ chunks: Buffer[]; sha: string }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      pools.for(target, { connectTimeoutMs: 1_000, verifyTls: true }).request(
        { method: 'GET', path: '/', headers: ['Host', target.hostport], body: undefined, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000, upgrade: false },
        {
          onHeaders: () => {},
          onData: (chunk) => {
            chunks.push(chunk);
            return true;
          },
          holdsChunks: () => holds,
          onComplete: () => resolve({ chunks, sha: createHash('sha256').update(Buffer.concat(chunks)).digest('hex') }),
          onError: (failure) => reject(new Error(failure.message)),
          onUpgrade: () => {
            throw new Error('A plain GET was upgraded.');
          },
        },
      );
    });
  }

  it('never reads into memory a handler still holds', async () => {
    const { sha } = await fetchHeld(true);
    expect(sha).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('reuses its read memory when the handler holds nothing (so the chunks alias)', async () => {
    const { chunks } = await fetchHeld(false);
    const memory = new Set(chunks.map((c) => c.buffer));
    expect(chunks.length).toBeGreaterThan(1);
    expect(memory.size).toBeLessThan(chunks.length);
  });
});
