import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminClient } from '../../src/shared/admin-client';
import type { Status } from '../../src/shared/commands';
import { Core, defaultHttpPort, defaultHttpsPort } from '../../src/main/core/core';
import { readConnection, type Connection } from '../../src/main/headless/connection-file';
import { serve } from '../../src/main/headless/serve';
import { startBackend, type TestBackend } from '../helpers/backends';
import { assertBuilt, cli, repoRoot, startServe } from '../helpers/cli';
import { must, request, tempDir } from '../helpers/core';
import { httpsRequest } from '../helpers/https-client';
import { asRoot, chownTree, nobody, nobodyReachesRepo, portFree, unprivilegedStart, unreachableNote } from '../helpers/unprivileged';

// The useStandardPorts setting (issue 14) on real sockets and a real SQLite
// file: stored, read at the next start, 80 and 443 taken where the OS allows
// it, and where it does not, the usual ports with a problem and its fix.
// These tests run as root here, who may bind any port; the refusal runs
// `switchyard serve` as nobody (65534), the ordinary user every Linux has.

const host = 'demo.localhost';
const startTimeoutMs = 15_000;

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A data folder holding the setting on and a route for demo.localhost to a real backend, written by one core that then stops. */
async function preparedDataDir(): Promise<{ dataDir: string; backend: TestBackend }> {
  const dir = tempDir('switchyard-standard-ports-');
  cleanups.push(() => dir.remove());
  const backend = await startBackend('behind-standard-ports');
  cleanups.push(() => backend.close());
  const dataDir = join(dir.path, 'data');
  const core = await Core.start({ dataDir, httpPort: 0, httpAddresses: ['127.0.0.1'] });
  try {
    expect((await must(core.run('settings.update', { useStandardPorts: true }))).useStandardPorts).toBe(true);
    await must(core.run('routes.create', { host, path: '/', backends: [{ url: backend.url }], settings: { healthCheck: 'off' } }));
  } finally {
    await core.stop();
  }
  return { dataDir, backend };
}

interface Served {
  connection: Connection;
  output: () => string;
  status: () => Promise<Status>;
}

/** `switchyard serve` with no --http-port or --https-port (the setting chooses), in its own process group, killed with it. */
async function startServeAs(dataDir: string, user: { uid: number; gid: number } | undefined): Promise<Served> {
  assertBuilt();
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'bin', 'switchyard.js'), 'serve', '--data-dir', dataDir, '--admin-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: join(dataDir, '..') },
    cwd: '/',
    detached: true,
    ...user,
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGTERM');
      }),
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const connection = readConnection(dataDir);
    if (connection && connection.pid === child.pid && output.includes('Press Ctrl+C')) {
      const client = createAdminClient({ baseUrl: connection.adminUrl, token: connection.token });
      return {
        connection,
        output: () => output,
        status: async () => {
          const answer = await client.invoke('status', {});
          if (!answer.ok) throw new Error(answer.error.message);
          return answer.result;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const portOf = (status: Status, kind: 'http' | 'https') => status.listeners.find((l) => l.kind === kind)?.port;

describe('the useStandardPorts setting', () => {
  it('is kept in the SQLite file and read at the next start; ports named at start win over it', async () => {
    const { dataDir } = await preparedDataDir();
    const running = await serve({ dataDir, httpPort: 0, httpsPort: 0, adminPort: 0 });
    try {
      expect((await must(running.core.run('settings.get', {}))).useStandardPorts).toBe(true);
      const status = await must(running.core.run('status', {}));
      expect(status.requestedPorts).toEqual({ useStandardPorts: true, http: 0, https: 0 });
      expect(portOf(status, 'http')).not.toBe(80);
      expect(portOf(status, 'https')).not.toBe(443);
      expect(status.problems).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('gives way to the usual ports, with a problem, when another program holds 80 and 443; the proxy serves on', async () => {
    const { dataDir, backend } = await preparedDataDir();
    // This test's own sockets stand for the other program (as root here; otherwise the OS refuses the core anyway).
    for (const port of [80, 443]) {
      const holder = net.createServer();
      await new Promise<void>((resolve) => holder.once('error', () => resolve()).listen({ host: '127.0.0.1', port, exclusive: true }, resolve));
      cleanups.push(() => new Promise<void>((resolve) => (holder.listening ? holder.close(() => resolve()) : resolve())));
    }
    const core = await Core.start({ dataDir, httpPort: 0, httpsPort: 0, namedPorts: { http: false, https: false } });
    cleanups.push(() => core.stop());
    const status = await must(core.run('status', {}));
    expect(status.requestedPorts).toEqual({ useStandardPorts: true, http: 80, https: 443 });
    const http = portOf(status, 'http')!;
    expect([http, portOf(status, 'https')]).not.toContain(80);
    expect(portOf(status, 'https')).not.toBe(443);
    expect(status.problems.map((p) => p.code)).toEqual(['STANDARD_PORTS_REFUSED']);
    expect(status.problems[0]!.message).toMatch(/^Standard ports are on, but ports 80 and 443 could not be taken, so Switchyard listens on ports \d+ and \d+ instead\./);
    expect((await request(http, host)).body).toBe(backend.name);
  });

  const ordinaryUser = `for an ordinary user below ip_unprivileged_port_start (${unprivilegedStart} here)${asRoot ? ', run as nobody' : ''}${unreachableNote}`;
  describe.runIf(process.platform === 'linux' && unprivilegedStart > 80 && nobodyReachesRepo)(ordinaryUser, () => {
    it('keeps `switchyard serve` on 7800 and 7443, serving, and says why with the one-line fix (never root)', async (context) => {
      if (!(await portFree(defaultHttpPort)) || !(await portFree(defaultHttpsPort))) {
        context.skip(`ports ${defaultHttpPort} and ${defaultHttpsPort} are not both free here, and this test needs serve's usual ports`);
      }
      const { dataDir, backend } = await preparedDataDir();
      if (asRoot) chownTree(join(dataDir, '..'), nobody);
      const served = await startServeAs(dataDir, asRoot ? { uid: nobody, gid: nobody } : undefined);
      const status = await served.status();
      expect(portOf(status, 'http')).toBe(defaultHttpPort);
      expect(portOf(status, 'https')).toBe(defaultHttpsPort);
      expect(status.requestedPorts).toEqual({ useStandardPorts: true, http: 80, https: 443 });
      expect(status.problems).toHaveLength(1);
      const [problem] = status.problems;
      expect(problem!.code).toBe('STANDARD_PORTS_REFUSED');
      expect(problem!.fix).toBe('sudo sysctl -w net.ipv4.ip_unprivileged_port_start=80');
      expect(problem!.message).toContain(
        `Standard ports are on, but ports 80 and 443 could not be taken, so Switchyard listens on ports ${defaultHttpPort} and ${defaultHttpsPort} instead. Not allowed to listen on port 80. Linux lets ordinary users listen only on ports from ${unprivilegedStart} up`,
      );
      expect(problem!.message).toContain('Do not run Switchyard as root.');
      // serve's own start-up lines show it too, where a terminal user looks.
      expect(served.output()).toContain(`  Ports:    standard ports on, asked for http 80, https 443`);
      expect(served.output()).toContain(`  Problem:  Standard ports are on`);
      expect((await request(defaultHttpPort, host)).body).toBe(backend.name);
    });
  });

  describe.runIf(asRoot)('where the OS allows it (root here)', () => {
    it('makes `switchyard serve` take 80 and 443, with http://demo.localhost/ answering with no port', async (context) => {
      if (!(await portFree(80)) || !(await portFree(443))) context.skip('ports 80 and 443 are not both free on 127.0.0.1 and [::1] here');
      const { dataDir, backend } = await preparedDataDir();
      const served = await startServeAs(dataDir, undefined);
      const status = await served.status();
      expect(status.listeners.filter((l) => l.kind === 'http' || l.kind === 'https').map((l) => `${l.kind} ${l.port}`).sort()).toEqual(
        expect.arrayContaining(['http 80', 'https 443']),
      );
      expect(status.problems).toEqual([]);
      expect(served.connection.httpPort).toBe(80);
      expect((await request(80, host)).body).toBe(backend.name);
      const client = createAdminClient({ baseUrl: served.connection.adminUrl, token: served.connection.token });
      const certificates = await client.invoke('certificates.get', {});
      if (!certificates.ok) throw new Error(certificates.error.message);
      const answer = await httpsRequest(443, host, '/', { ca: readFileSync(certificates.result.ca.rootCertificatePath, 'utf8') });
      expect(answer.body).toBe(backend.name);
    });
  });
});

describe('switchyard settings --set useStandardPorts=on', () => {
  it('stores it and says it applies when Switchyard restarts', async () => {
    const dir = tempDir('switchyard-standard-ports-cli-');
    cleanups.push(() => dir.remove());
    const served = await startServe(dir.path);
    cleanups.push(() => served.stop());
    const set = await cli(['settings', '--set', 'useStandardPorts=on', '--data-dir', dir.path]);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^useStandardPorts\s+true$/m);
    expect(set.stdout).toContain('useStandardPorts applies when Switchyard restarts; `switchyard status` then shows the ports asked for and bound.');
    // serve named its ports (--http-port 0): they win, so nothing moved.
    expect(JSON.parse((await cli(['status', '--json', '--data-dir', dir.path])).stdout)).toMatchObject({ requestedPorts: { useStandardPorts: false, http: 0, https: 0 } });
  });
});
