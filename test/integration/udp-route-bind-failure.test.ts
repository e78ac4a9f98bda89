import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, withCleanCore } from '../helpers/core';
import { udpBackend } from '../helpers/udp';

// A UDP route whose port is taken is a problem, tried again at each config
// change (route-listeners.ts). Each try makes a socket; one that could not
// bind still holds its handle until closed, so each must be closed, or every
// config change would leave one more behind.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

/** Retries of the blocked route, each at a config change. */
const retries = 3;

/** This thread's open UDP sockets, bound or not. */
const udpHandles = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'UDPWrap').length;

describe('UDP route whose port is taken', () => {
  it('closes the socket of every bind that failed', async () => {
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const backend = await udpBackend('a');
    cleanups.push(() => backend.close());
    const before = udpHandles();

    const blocked = await must(core.run('routes.create', { host: `udp://127.0.0.1:${squatter.address().port}`, backends: [{ url: backend.url }] }));
    for (let weight = 2; weight < 2 + retries; weight++) await must(core.run('backends.update', { id: blocked.backends[0]!.id, weight }));

    expect((await must(core.run('status', {}))).problems.map((problem) => problem.code)).toEqual(['UDP_LISTEN_FAILED']);
    await expect.poll(udpHandles).toBe(before);
  });
});
