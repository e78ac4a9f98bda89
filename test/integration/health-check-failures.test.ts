import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { databaseFile } from '../../src/main/core/core';
import { HealthMonitor } from '../../src/main/core/health/health-monitor';
import { defaultRouteSettings, type Route } from '../../src/shared/model';
import { startBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';
import { fastChecks, waitForBackend } from '../helpers/health';

// A health check that throws used to end the whole process, and with a bad
// path stored, again at every start.
describe('health checks never stop the proxy', () => {
  it('a non-ASCII health path is sent percent-encoded and the backend turns healthy', async () => {
    const dir = tempDir();
    const backend = await startBackend('app', (req, res) => res.writeHead(req.url === '/%E7%8A%B6%E6%80%81' ? 200 : 404).end('app'));
    const core = await startCore(dir.path);
    try {
      const route = await must(
        core.run('routes.create', { host: 'demo.localhost', settings: { ...fastChecks, healthCheck: 'http', healthPath: '/状态' }, backends: [{ url: backend.url }] }),
      );
      expect(route.settings.healthPath).toBe('/%E7%8A%B6%E6%80%81');
      await waitForBackend(core, route.backends[0]!.id, (s) => s.status === 'healthy');
      expect((await request(proxyPort(core), 'demo.localhost')).body).toBe('app');
    } finally {
      await core.stop();
      await backend.close();
      dir.remove();
    }
  });

  it('a path stored by an older version, unencoded, is encoded on start instead of crashing every start', async () => {
    const dir = tempDir();
    const backend = await startBackend('app', (req, res) => res.writeHead(req.url === '/%E7%8A%B6%E6%80%81' ? 200 : 404).end('app'));
    let core = await startCore(dir.path);
    const route = await must(core.run('routes.create', { host: 'demo.localhost', settings: { ...fastChecks, healthCheck: 'http' }, backends: [{ url: backend.url }] }));
    await core.stop();
    // What the old schema let through: the raw characters in the stored JSON.
    const db = new Database(databaseFile(dir.path));
    db.prepare('UPDATE routes SET settings = ? WHERE id = ?').run(JSON.stringify({ ...route.settings, healthPath: '/状态' }), route.id);
    db.close();
    core = await startCore(dir.path);
    try {
      await waitForBackend(core, route.backends[0]!.id, (s) => s.status === 'healthy');
      expect((await must(core.run('routes.list', {})))[0]!.settings.healthPath).toBe('/%E7%8A%B6%E6%80%81');
    } finally {
      await core.stop();
      await backend.close();
      dir.remove();
    }
  });

  it('a listener of health changes that throws is reported, and checks go on', async () => {
    const backend = await startBackend('app');
    const errors: string[] = [];
    let changes = 0;
    const monitor = new HealthMonitor(
      () => {
        changes += 1;
        throw new Error('timeline write failed');
      },
      Date.now,
      (context, error) => errors.push(`${context}: ${(error as Error).message}`),
    );
    const route: Route = {
      id: 1,
      kind: 'http',
      host: 'demo.localhost',
      path: '/',
      algorithm: 'round-robin',
      settings: { ...defaultRouteSettings, ...fastChecks, healthRise: 1, healthFall: 1 },
      backends: [{ id: 7, routeId: 1, url: backend.url, weight: 1, enabled: true, draining: false, health: {} }],
    };
    try {
      monitor.sync([route]);
      await until(() => monitor.state(7)?.name === 'healthy');
      await backend.close();
      await until(() => monitor.state(7)?.name === 'unhealthy');
      const checksSoFar = monitor.history(7).checks.length;
      await until(() => monitor.history(7).checks.length >= checksSoFar + 3);
      // Every report (state changes and changes of reason) threw and was caught.
      expect(errors).toHaveLength(changes);
      expect(errors.slice(0, 2)).toEqual([
        'reporting backend 7 unknown → healthy: timeline write failed',
        'reporting backend 7 healthy → unhealthy: timeline write failed',
      ]);
      // One timer, not one per failure: a throw must not fork the check loop.
      expect(monitor.timerCount()).toBe(1);
    } finally {
      monitor.stop();
    }
  });
});

async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
