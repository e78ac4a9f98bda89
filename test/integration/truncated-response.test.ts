import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, startCore, tempDir } from '../helpers/core';

/** What a client experiences: a complete body, or an abort. */
function fetchOutcome(port: number, path: string): Promise<{ outcome: 'complete' | 'aborted'; bytes: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let done = false;
    const finish = (outcome: 'complete' | 'aborted') => {
      if (!done) resolve({ outcome, bytes });
      done = true;
    };
    http
      .get({ host: '127.0.0.1', port, path, headers: { host: 'cut.localhost' }, agent: false }, (res) => {
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => finish(res.complete ? 'complete' : 'aborted'));
        res.on('aborted', () => finish('aborted'));
        res.on('error', () => finish('aborted'));
      })
      .on('error', () => finish('aborted'));
  });
}

describe('a backend that dies mid-response', () => {
  const dir = tempDir();
  let core: Core;
  let backend: TestBackend;

  beforeAll(async () => {
    backend = await startBackend('cut', (req, res) => {
      if (req.url === '/length') res.writeHead(200, { 'content-length': '10000' });
      else res.writeHead(200); // chunked
      res.write(Buffer.alloc(4000, 'x'));
      setTimeout(() => req.socket.destroy(), 30);
    });
    core = await startCore(dir.path);
    await must(core.run('routes.create', { host: 'cut.localhost', backends: [{ url: backend.url }] }));
  });
  afterAll(async () => {
    await core.stop();
    await backend.close();
    dir.remove();
  });

  it('aborts a Content-Length response visibly instead of ending it short', async () => {
    expect(await fetchOutcome(proxyPort(core), '/length')).toEqual({ outcome: 'aborted', bytes: 4000 });
  });

  it('aborts a chunked response without the final chunk', async () => {
    expect(await fetchOutcome(proxyPort(core), '/chunked')).toEqual({ outcome: 'aborted', bytes: 4000 });
  });
});
