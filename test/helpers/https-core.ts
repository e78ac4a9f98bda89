import { afterAll, beforeAll } from 'vitest';
import type { Core, CoreOptions } from '../../src/main/core/core';
import { startBackend, type TestBackend } from './backends';
import { must, withCore } from './core';
import { httpsPort } from './https-client';

export interface HttpsCore {
  core: Core;
  /** The one backend every route of `hosts` goes to. */
  backend: TestBackend;
  /** The exported root: what a client that trusts the local CA trusts. */
  root: string;
  /** The HTTPS listener's port. */
  port: number;
}

/**
 * The set-up of the HTTPS listener's suites, for the file or a describe: a
 * core with the HTTPS listener (withCore), one backend, a route to it for each
 * of `hosts` (health checks off: the tests are about TLS) and the root a
 * client trusts; `set` is told them once all is up.
 */
export function withHttpsCore(
  set: (started: HttpsCore) => void,
  hosts: string[],
  { handler, options = {} }: { handler?: Parameters<typeof startBackend>[1]; options?: Partial<CoreOptions> } = {},
): void {
  let core: Core | undefined;
  let backend: TestBackend | undefined;
  withCore((c) => (core = c), { httpsPort: 0, ...options });
  beforeAll(async () => {
    backend = await startBackend('app', handler);
    for (const host of hosts) await must(core!.run('routes.create', { host, backends: [{ url: backend.url }], settings: { healthCheck: 'off' } }));
    const root = (await must(core!.run('certificates.exportCa', {}))).certificatePem;
    set({ core: core!, backend, root, port: httpsPort(core!) });
  });
  afterAll(async () => {
    await backend?.close();
  });
}
