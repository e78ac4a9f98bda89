import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { checksOffReason, udpUncheckedReason } from '../../src/main/core/wording';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Core, type CoreOptions } from '../../src/main/core/core';

export function tempDir(prefix = 'switchyard-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** `options` adds to the defaults: `{ httpsPort: 0 }` for an HTTPS (and h2) listener too. */
export async function startCore(dataDir: string, options: Partial<CoreOptions> = {}): Promise<Core> {
  return Core.start({ dataDir, httpPort: 0, httpAddresses: ['127.0.0.1'], ...options });
}

export function proxyPort(core: Core): number {
  return core.engine.listeners()[0]!.port;
}

/** Runs a command and returns its result, failing the test with the error otherwise. */
export async function must<T>(answer: Promise<{ ok: true; result: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const envelope = await answer;
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.result;
}

export interface ProxyResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request through the proxy with a chosen Host header, on a fresh connection. */
export function request(
  port: number,
  host: string,
  path = '/',
  options: { method?: string; headers?: http.OutgoingHttpHeaders | string[]; body?: string; agent?: http.Agent } = {},
): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const headers = Array.isArray(options.headers) ? ['Host', host, ...options.headers] : { host, ...options.headers };
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Waits until active checks have judged every enabled backend (none is
 * `unknown`), so tests of balancing see the settled set of candidates.
 */
export async function settled(core: Core, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = await must(core.run('backends.live', {}));
    // Unchecked backends (checks off, a UDP route without a probe) stay unknown for good.
    if (!Object.values(live.backends).some((b) => b.status === 'unknown' && b.reason !== checksOffReason && b.reason !== udpUncheckedReason)) return;
    if (Date.now() > deadline) throw new Error(`backends still unknown: ${JSON.stringify(live.backends)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A core on a fresh data dir for the whole suite: `let core: Core; withCore((c) => (core = c));` */
export function withCore(set: (core: Core) => void, options: Partial<CoreOptions> = {}): void {
  const dir = tempDir();
  let core: Core | undefined;
  beforeAll(async () => {
    core = await startCore(dir.path, options);
    set(core);
  });
  afterAll(async () => {
    await core?.stop();
    dir.remove();
  });
}

/**
 * `withCore`, and after each test its clean-ups run (push them onto the
 * returned list) and every route is deleted, so each test starts from an
 * empty routing table.
 */
export function withCleanCore(set: (core: Core) => void, options: Partial<CoreOptions> = {}): (() => Promise<unknown>)[] {
  const cleanups: (() => Promise<unknown>)[] = [];
  let core: Core | undefined;
  withCore((c) => {
    core = c;
    set(c);
  }, options);
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((fn) => fn()));
    for (const route of await must(core!.run('routes.list', {}))) await must(core!.run('routes.delete', { id: route.id }));
  });
  return cleanups;
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `count` different free ports. Each freePort() lets its port go, so the next
 * call may be handed the same one: a route given it twice was refused with
 * BACKEND_EXISTS in a clean-clone run of retries.test.ts.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
