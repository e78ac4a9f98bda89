import http from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminPath } from '../../src/shared/api';
import { commandNames, commands, isCommandName, type CommandName } from '../../src/shared/commands';
import { defaultProxySettings } from '../../src/shared/proxy-settings';
import { errorCodes, type Envelope } from '../../src/shared/errors';
import type { Route } from '../../src/shared/model';
import { databaseFile } from '../../src/main/core/core';
import { serve, type RunningServe } from '../../src/main/headless/serve';
import { adminRequest, type AdminAnswer, type AdminRequest } from '../helpers/admin-http';
import { fixtureHosts, fuzzInputs, Ref, settingKeys, settingValues, validInputs, type Fixture } from '../helpers/command-inputs';
import { byId, expectedRoutesAfter } from '../helpers/expected-routes';
import { deepArray, deepNesting, deepObject, toJsonText } from '../helpers/hostile-values';
import { freePorts, must, tempDir } from '../helpers/core';
import { StoreReader } from '../helpers/store-snapshot';

// Fixed by default so a run is repeatable; FUZZ_SEED / FUZZ_RUNS explore.
const defaultSeed = 20_261_201;
const defaultRuns = 300;
const seed = Number(process.env.FUZZ_SEED ?? defaultSeed);
const runs = Number(process.env.FUZZ_RUNS ?? defaultRuns);
/** A case is a handful of loopback requests; this leaves room for slow shared machines. */
const perCaseBudgetMs = 150;
const fuzzTimeoutMs = 30_000 + runs * perCaseBudgetMs;

const maxBodyBytes = 1024 * 1024;
/** Past Node's 16 KB header limit: refused by the HTTP parser before the admin API sees it. */
const overlongNameUnits = 64 * 1024;

/** Commands that never write the database (token.rotate changes the connection file only). */
const readCommands = new Set<CommandName>([
  'status',
  'backends.live',
  'routes.history',
  'timeline.list',
  'traffic.list',
  'traffic.get',
  'traffic.clear',
  // The HTTP cache lives in memory: its commands never touch the store.
  'cache.stats',
  'cache.purge',
  'routes.list',
  'routes.export',
  'settings.get',
  'token.rotate',
  'certificates.get',
  'certificates.exportCa',
  'certificates.trust',
  'certificates.installTrust',
  'project.diff',
  'project.export',
  'hosts.check',
]);

/** fast-check's report carries the seed and shrink path; this says how to replay it here. */
async function assertProperty<Ts extends unknown[]>(what: string, property: fc.IAsyncProperty<Ts>, examples: Ts[] = []): Promise<void> {
  try {
    await fc.assert(property, { seed, numRuns: runs, examples });
  } catch (error) {
    throw new Error(`${what}: replay with FUZZ_SEED=${seed} FUZZ_RUNS=${runs}.\n${(error as Error).message}`, { cause: error });
  }
}

describe('command fuzzer over the admin API', () => {
  // One kept-alive connection: the cases run one after another.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let serverLog: string[];
  let dir: { path: string; remove(): void };
  let running: RunningServe;
  let store: StoreReader;
  let fixture: Fixture;
  let closedPorts: number[];

  const send = (request: AdminRequest) => adminRequest(running.adminUrl, running.token, request, agent);

  /** Two routes, three backends on closed loopback ports, health checks off: nothing writes in the background. */
  async function rebuildFixture(): Promise<void> {
    const core = running.core;
    for (const route of await must(core.run('routes.list', {}))) await must(core.run('routes.delete', { id: route.id }));
    const [first, second] = closedPorts.map((port) => `http://127.0.0.1:${port}`);
    const a = await must(core.run('routes.create', { host: fixtureHosts.routeA, settings: { healthCheck: 'off' }, backends: [{ url: first }, { url: second }] }));
    const b = await must(core.run('routes.create', { host: fixtureHosts.routeB, path: '/api', settings: { healthCheck: 'off' }, backends: [{ url: first }] }));
    fixture = { routeA: a.id, routeB: b.id, backendA0: a.backends[0]!.id, backendA1: a.backends[1]!.id, backendB0: b.backends[0]!.id };
    await must(core.run('settings.update', defaultProxySettings));
  }

  /** The answer as an envelope, failing on anything that is not one (a crash shows as INTERNAL or a 500). */
  function envelopeOf(answer: AdminAnswer): Envelope<unknown> {
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const envelope = JSON.parse(answer.text) as Envelope<unknown>;
    if (envelope.ok === true) {
      expect(answer.status).toBe(200);
      expect(envelope).toHaveProperty('result');
      return envelope;
    }
    expect(envelope.ok).toBe(false);
    if (envelope.error.code === 'INTERNAL' || answer.status >= 500) {
      throw new Error(`unexpected throw in the server (HTTP ${answer.status}): ${answer.text}\nserver log: ${serverLog.slice(-3).join('\n')}`);
    }
    expect(errorCodes).toContain(envelope.error.code);
    expect(envelope.error.message).toMatch(/\S/);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    return envelope;
  }

  const resolveRef = (marker: object) => (marker instanceof Ref ? String(fixture[marker.to]) : undefined);

  /** Accepted writes: what routes.list reads back is what was sent, normalised; the answer is that route. */
  async function checkRoundTrip(name: CommandName, body: string, result: unknown, before: Route[]): Promise<void> {
    const sent = JSON.parse(body) as Record<string, unknown>;
    if (name === 'settings.update') {
      // The fixture starts from the defaults; the answer and a fresh read are the patch applied to them.
      // Through JSON as the answer went: a -0 the fuzzer sent comes back as 0 (JSON.stringify writes -0 as 0).
      expect(result).toEqual({ ...defaultProxySettings, ...(JSON.parse(JSON.stringify(sent)) as Record<string, unknown>) });
      expect(envelopeOf(await send({ path: adminPath.command('settings.get'), body: '{}' }))).toEqual({ ok: true, result });
      return;
    }
    if (name.startsWith('certificates.') || name.startsWith('demo.') || name === 'project.apply') {
      // Files in the data directory, a timeline entry, the demo's one route: the routes are what the command's effect says.
      const listed = envelopeOf(await send({ path: adminPath.command('routes.list'), body: '{}' }));
      const createdId = name === 'demo.start' ? (result as { routeId: number }).routeId : 0;
      expect(byId((listed as { result: Route[] }).result)).toEqual(byId(expectedRoutesAfter(name, sent, before, createdId)!));
      return;
    }
    const createdId = (result as { id: number }).id;
    const expected = expectedRoutesAfter(name, sent, before, createdId)!;
    const listed = envelopeOf(await send({ path: adminPath.command('routes.list'), body: '{}' }));
    const actual = (listed as { result: Route[] }).result;
    expect(byId(actual)).toEqual(byId(expected));
    if (name === 'routes.delete') expect(result).toEqual({ id: sent.id });
    else expect(result).toEqual(byId(actual)[(result as Route).id]);
  }

  /** One fuzz case: send, judge the envelope, then the store (unchanged, or changed exactly as asked). */
  async function runCase(name: CommandName, input: unknown): Promise<void> {
    const body = toJsonText(input, resolveRef);
    let mayHaveWritten = !readCommands.has(name);
    try {
      const routesBefore = await must(running.core.run('routes.list', {}));
      const before = store.snapshot();
      const envelope = envelopeOf(await send({ path: adminPath.command(name), body }));
      const changed = !store.snapshot().equals(before);
      if (!envelope.ok || readCommands.has(name)) {
        mayHaveWritten = changed;
        expect(changed, `${name} ${envelope.ok ? 'read' : `refused (${envelope.error.code})`} but the store changed`).toBe(false);
        return;
      }
      expect(changed, `${name} was accepted but nothing was stored`).toBe(true);
      await checkRoundTrip(name, body, envelope.result, routesBefore);
    } finally {
      if (mayHaveWritten) await rebuildFixture();
    }
  }

  beforeAll(async () => {
    closedPorts = await freePorts(2);
  });

  // A fresh server and store for each test: snapshots cost time in
  // proportion to the file, and the timeline grows with every accepted write.
  beforeEach(async () => {
    serverLog = [];
    dir = tempDir('switchyard-fuzz-');
    running = await serve({
      dataDir: dir.path,
      httpPort: 0,
      httpsPort: 0,
      adminPort: 0,
      rendererDir: join(__dirname, '../../out/renderer'),
      log: (line) => serverLog.push(line),
    });
    store = new StoreReader(databaseFile(dir.path));
    await rebuildFixture();
  });

  afterEach(async () => {
    agent.destroy();
    store.close();
    await running.stop();
    dir.remove();
    // An unexpected throw anywhere in the server (a health check, an event push) fails the test that caused it.
    expect(serverLog).toEqual([]);
  });

  it('has valid input for every command in the table and every route setting', () => {
    expect(commandNames.filter((name) => !validInputs[name])).toEqual([]);
    expect(settingKeys.filter((key) => !settingValues[key])).toEqual([]);
  });

  it('sees a write in the store snapshot (so "unchanged" means something)', async () => {
    const before = store.snapshot();
    await must(running.core.run('backends.setEnabled', { id: fixture.backendA0, enabled: false }));
    expect(store.snapshot().equals(before)).toBe(false);
    await rebuildFixture();
  });

  for (const name of commandNames) {
    it(
      `${name}: hostile input is answered with an envelope, refused input changes nothing, accepted input round-trips`,
      async () => {
        // Fails here (not in a generator) when a command was added to the table without valid input.
        expect(validInputs[name], `no generator of valid input for ${name}`).toBeDefined();
        const knownKeys = Object.keys((commands[name].input as unknown as { shape: object }).shape);
        await assertProperty(
          name,
          fc.asyncProperty(fuzzInputs(name, knownKeys), (input) => runCase(name, input)),
          [[deepArray(deepNesting)], [deepObject(deepNesting)], [{ ...Object.fromEntries(knownKeys.map((key) => [key, deepArray(deepNesting)])) }]],
        );
      },
      fuzzTimeoutMs,
    );
  }

  describe('transport', () => {
    const nameSegment = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
      fc.constantFrom('%ZZ', '%', '%2', '%E0%A4%A', '%C0%AF', '%FF', '%00', '%2e%2e', '%2F', '%25', '..', '.', '~', "!$&'()*+,;=:@"),
      fc.constantFrom('routes.list%00', 'routes.list%20', 'ROUTES.LIST', 'routes.list/', '__proto__', 'constructor', 'hasOwnProperty', 'toString', '/'),
      fc.constantFrom('a'.repeat(4096)),
    );
    const oddName = fc
      .array(nameSegment, { maxLength: 4 })
      .map((parts) => parts.join(''))
      .filter((encoded) => {
        try {
          return !isCommandName(decodeURIComponent(encoded));
        } catch {
          return true;
        }
      });

    it(
      'unknown command names, however encoded, get 404 UNKNOWN_COMMAND (including /commands/%ZZ) and change nothing',
      async () => {
        const property = fc.asyncProperty(fc.tuple(oddName, fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'OPTIONS')), async ([encoded, method]) => {
          const before = store.snapshot();
          const answer = await send({ method, path: `${adminPath.commandPrefix}${encoded}`, body: '{}' });
          const envelope = envelopeOf(answer);
          expect(envelope.ok).toBe(false);
          expect(answer.status).toBe(404);
          expect((envelope as { error: { code: string } }).error.code).toBe('UNKNOWN_COMMAND');
          expect(store.snapshot().equals(before)).toBe(true);
        });
        await assertProperty('unknown command names', property, [[['%ZZ', 'POST']], [['%', 'POST']], [['routes.list%ZZ', 'POST']]]);
      },
      fuzzTimeoutMs,
    );

    it(
      'bodies that are not JSON are refused with VALIDATION_FAILED and change nothing',
      async () => {
        const body = fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
          fc.constantFrom('{', '{"host":', 'undefined', "{'host':'a'}", '{"a":1}{}', '\ufeff{}', 'NaN', '[1,]', '{"a":1,}', '\0', '"\\ud800', '01'),
          fc.constantFrom('['.repeat(deepNesting), '{"a":'.repeat(deepNesting), `${'['.repeat(deepNesting)}${']'.repeat(deepNesting - 1)}`),
        );
        const property = fc.asyncProperty(fc.tuple(fc.constantFrom(...commandNames), body), async ([name, raw]) => {
          const text = Buffer.from(raw).toString('utf8');
          let json = true;
          try {
            if (text.trim() !== '') JSON.parse(text);
          } catch {
            json = false;
          }
          fc.pre(!json);
          const before = store.snapshot();
          const answer = await send({ path: adminPath.command(name), body: raw });
          const envelope = envelopeOf(answer);
          expect(answer.status).toBe(400);
          expect((envelope as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
          expect(store.snapshot().equals(before)).toBe(true);
        });
        await assertProperty('non-JSON bodies', property);
      },
      fuzzTimeoutMs,
    );

    it('a body over 1 MB is refused with 413 (with or without a length), and the server still answers', async () => {
      const before = store.snapshot();
      const over = Buffer.alloc(maxBodyBytes + 1, ' ');
      for (const chunked of [false, true]) {
        // A fresh connection each: the server closes one after a 413.
        const answer = await adminRequest(running.adminUrl, running.token, { path: adminPath.command('routes.create'), body: over, chunked });
        expect(answer.status).toBe(413);
        expect((envelopeOf(answer) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
      }
      const exactlyTheLimit = Buffer.concat([Buffer.alloc(maxBodyBytes - 2, ' '), Buffer.from('{}')]);
      expect(envelopeOf(await send({ path: adminPath.command('status'), body: exactlyTheLimit })).ok).toBe(true);
      expect(store.snapshot().equals(before)).toBe(true);
    });

    it('an over-long command name is refused by the HTTP parser (431), and the server still answers', async () => {
      const answer = await adminRequest(running.adminUrl, running.token, { path: `${adminPath.commandPrefix}${'a'.repeat(overlongNameUnits)}`, body: '{}' });
      expect(answer.status).toBe(431);
      expect(envelopeOf(await send({ path: adminPath.command('status'), body: '{}' })).ok).toBe(true);
    });
  });
});
