import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseFile, type Core } from '../../src/main/core/core';
import { retryMs } from '../../src/main/core/store/timeline';
import type { Route } from '../../src/shared/model';
import { startBackend, type TestBackend } from '../helpers/backends';
import { must, proxyPort, request, startCore, tempDir } from '../helpers/core';
import { fastChecks, waitForBackend } from '../helpers/health';

/**
 * The store fails under the running core — another program holds a write
 * lock, the disk fills up, the file turns read-only — while requests flow.
 * Proxied traffic must not notice; writes from the UI/CLI get a sentence
 * saying why; history waits in memory and is saved once the fault ends;
 * nothing committed before is lost.
 */
describe('store failures under load', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let a: TestBackend;
  let b: TestBackend;
  let route: Route;

  beforeEach(async () => {
    dir = tempDir();
    a = await startBackend('a');
    b = await startBackend('b');
    core = await startCore(dir.path);
    route = await must(core.run('routes.create', { host: 'demo.localhost', settings: { ...fastChecks, healthRise: 1, healthFall: 1 }, backends: [{ url: a.url }, { url: b.url }] }));
    for (const backend of route.backends) await waitForBackend(core, backend.id, (s) => s.status === 'healthy');
  });
  afterEach(async () => {
    await core.stop();
    await a.close();
    await b.close();
    dir.remove();
  });

  /** The core's own connection: max_page_count and query_only act per connection. */
  const coreDb = () => (core as unknown as { db: Database.Database }).db;

  /** Requests through the proxy until `stop()`; resolves to the failures seen. */
  let stopTraffic: (() => void) | undefined;
  afterEach(() => stopTraffic?.());

  function steadyTraffic(): { stop(): Promise<{ sent: number; failed: string[] }> } {
    // At least this many requests cross the fault, whatever else the test awaits.
    const minimum = 50;
    let running = true;
    // A failed test must not leave the loop hammering a stopped proxy.
    let abandoned = false;
    stopTraffic = () => {
      abandoned = true;
    };
    let sent = 0;
    const failed: string[] = [];
    const loop = (async () => {
      while (!abandoned && (running || sent < minimum)) {
        sent += 1;
        try {
          const res = await request(proxyPort(core), 'demo.localhost');
          if (res.status !== 200) failed.push(`${res.status} ${res.body}`);
        } catch (error) {
          failed.push(String(error));
        }
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return { sent, failed };
      },
    };
  }

  async function problems(): Promise<string[]> {
    return (await must(core.run('status', {}))).problems.map((p) => p.message);
  }

  /** Stops backend b and waits for its down (or ejected) event: a timeline write the core cannot refuse to make. */
  async function takeBackendDown(): Promise<void> {
    await b.close();
    // Checks or the traffic's failures, whichever notices first.
    await waitForBackend(core, route.backends[1]!.id, (s) => s.status === 'unhealthy' || s.status === 'ejected');
  }

  async function expectHistorySavedAfterFault(addedDuringFault: string[] = []): Promise<void> {
    // Saved on the next retry: real (positive) ids, the down event among them.
    await until(async () => (await problems()).length === 0, retryMs * 3);
    const timeline = await must(core.run('timeline.list', { routeId: route.id }));
    expect(timeline.every((e) => e.id > 0)).toBe(true);
    expect(timeline.some((e) => (e.kind === 'down' || e.kind === 'ejected') && e.message.includes(b.url))).toBe(true);
    // The next write succeeds, and what was committed before the fault is all there.
    await must(core.run('routes.create', { host: 'after.localhost', backends: [{ url: a.url }] }));
    const hosts = (await must(core.run('routes.list', {}))).map((r) => r.host);
    expect(hosts).toEqual(['after.localhost', 'demo.localhost', ...addedDuringFault].sort());
    const reopened = new Database(databaseFile(dir.path), { readonly: true });
    expect(reopened.prepare('SELECT count(*) AS n FROM backends').get()).toEqual({ n: 3 + addedDuringFault.length * 20 });
    reopened.close();
  }

  it('a lock held by another program: writes say so at once, traffic and checks go on, history is saved after', async () => {
    const traffic = steadyTraffic();
    const other = new Database(databaseFile(dir.path));
    other.exec('BEGIN IMMEDIATE');
    try {
      const refused = await core.run('routes.create', { host: 'new.localhost' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'STORE_BUSY' } });
      expect(!refused.ok && refused.error.message).toMatch(/^The change could not be saved: another program holds a lock on the database\. Nothing was changed; close the program/);
      await takeBackendDown();
      expect(await problems()).toEqual([expect.stringMatching(/^History could not be saved: another program holds a lock on the database\. 1 event waits in memory/)]);
      // The UI still sees the waiting entry.
      expect((await must(core.run('timeline.list', { routeId: route.id })))[0]).toMatchObject({ kind: expect.stringMatching(/^(down|ejected)$/), id: expect.any(Number) });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const { sent, failed } = await traffic.stop();
    expect(failed).toEqual([]);
    expect(sent).toBeGreaterThan(10);
    await expectHistorySavedAfterFault();
  });

  it('a full disk: writes say so, traffic and checks go on, history is saved once there is room', async () => {
    const traffic = steadyTraffic();
    const db = coreDb();
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    // Pages have room left: new routes fill them until the database needs
    // a page it cannot have.
    const filled: string[] = [];
    let refused: Awaited<ReturnType<Core['run']>> | undefined;
    for (let i = 0; i < 500 && !refused; i++) {
      const host = `fill-${i}.localhost`;
      const answer = await core.run('routes.create', { host, settings: { healthCheck: 'off' }, backends: Array.from({ length: 20 }, (_, n) => ({ url: `http://127.0.0.1:${1000 + n}` })) });
      if (answer.ok) filled.push(host);
      else refused = answer;
    }
    expect(refused).toMatchObject({ ok: false, error: { code: 'STORE_FULL', message: expect.stringMatching(/^The change could not be saved: the disk is full\. Nothing was changed; free some disk space/) } });
    expect(filled.length).toBeGreaterThan(0);
    // The timeline's pages may still have room: changes that rewrite a row in
    // place, each with a timeline entry, fill them until history is refused.
    for (let i = 0; i < 2_000 && (await problems()).length === 0; i++) {
      await must(core.run('backends.update', { id: route.backends[0]!.id, weight: (i % 900) + 2 }));
    }
    await takeBackendDown();
    expect(await problems()).toEqual([expect.stringMatching(/^History could not be saved: the disk is full\./)]);
    const { failed, sent } = await traffic.stop();
    expect(failed).toEqual([]);
    expect(sent).toBeGreaterThan(10);
    db.pragma('max_page_count = 1073741823');
    await expectHistorySavedAfterFault(filled);
  });

  it('a read-only database: writes say so, traffic and checks go on, history is saved once it is writable', async () => {
    const traffic = steadyTraffic();
    const db = coreDb();
    db.pragma('query_only = ON');
    const refused = await core.run('backends.setEnabled', { id: route.backends[0]!.id, enabled: false });
    expect(refused).toMatchObject({ ok: false, error: { code: 'STORE_READ_ONLY' } });
    // Nothing changed: the backend is still on and still takes traffic.
    expect((await must(core.run('routes.list', {})))[0]!.backends[0]!.enabled).toBe(true);
    await takeBackendDown();
    expect(await problems()).toEqual([expect.stringMatching(/^History could not be saved: the database cannot be written/)]);
    const { failed } = await traffic.stop();
    expect(failed).toEqual([]);
    db.pragma('query_only = OFF');
    await expectHistorySavedAfterFault();
  });
});

async function until(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
