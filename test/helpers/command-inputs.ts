import fc from 'fast-check';
import type { CommandName } from '../../src/shared/commands';
import { algorithms, backendHealthKeys, hashKeySources, routeSettingsPatchSchema } from '../../src/shared/model';
import { exportFormats } from '../../src/shared/export-formats';
import { hostileChar, hostileValue, objectWith, RawJson, unknownKey } from './hostile-values';

/** What the fuzzer keeps in the store: two routes and three backends, all with health checks off. */
export interface Fixture {
  routeA: number;
  routeB: number;
  backendA0: number;
  backendA1: number;
  backendB0: number;
}

export const fixtureHosts = { routeA: 'fuzz-a.localhost', routeB: 'fuzz-b.localhost' } as const;

/** An id of the fixture, resolved when the case runs (ids change each time the fixture is rebuilt). */
export class Ref {
  constructor(readonly to: keyof Fixture) {}

  [fc.toStringMethod](): string {
    return `Ref(${this.to})`;
  }
}

// ---- valid values, with the variations the schemas normalise -------------

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const validHost = fc.oneof(
  fc
    .tuple(fc.constantFrom('', '*.'), fc.array(label, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '.'), fc.constantFrom('', ' ', '\t'))
    .chain(([wildcard, labels, dot, pad]) =>
      fc.mixedCase(fc.constant(`${wildcard}${labels.join('.')}${dot}`)).map((host) => `${pad}${host}${pad}`),
    ),
  fc.constantFrom('*', fixtureHosts.routeA, 'FUZZ-B.localhost.'),
  fc.constantFrom('[::1]', '[0:0:0:0:0:0:0:1]', '[::FFFF:127.0.0.1]', '[FE80::1]', ' [2001:DB8::0:1] '),
);

const pathChar = fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@%'.split(''));
const validPath = fc
  .tuple(fc.constantFrom('', '/'), fc.array(fc.string({ unit: pathChar, minLength: 1, maxLength: 6 }), { maxLength: 3 }), fc.constantFrom('', '/', '//'), fc.constantFrom('', ' '))
  .map(([lead, segments, trail, pad]) => `${pad}${lead}${segments.join('/')}${trail}${pad}`);

// Only loopback addresses: a health check or request must never leave the machine.
const validUrl = fc
  .tuple(
    fc.constantFrom('http', 'https', 'HTTP', 'Https'),
    fc.constantFrom('127.0.0.1', 'localhost', 'LOCALHOST', '[::1]', '127.1.2.3', '0x7f.0.0.1', '[0:0:0:0:0:0:0:1]'),
    fc.integer({ min: 1, max: 65535 }),
    fc.constantFrom('', '0'),
    fc.constantFrom('', '/', ' '),
  )
  .map(([scheme, host, port, zero, tail]) => `${scheme}://${host}:${zero}${port}${tail}`);

const weight = fc.integer({ min: 1, max: 1000 });
const headerName = fc.mixedCase(fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,20}$/)).map((name) => ` ${name}`);
const ms = (min: number, max: number) => fc.integer({ min, max });
const percent = fc.double({ min: 0, max: 100, noNaN: true });

// Health checks stay off: turned on, they would write the timeline in the
// background and probe whatever address a mutation produced.
const healthValues = {
  healthCheck: fc.constant('off'),
  healthMethod: fc.constantFrom('GET', 'HEAD'),
  healthPath: fc.string({ unit: fc.constantFrom(...'/abz09-._~%?=&'.split('')), maxLength: 20 }).map((rest) => `/${rest} `),
  healthStatuses: fc
    .array(fc.oneof(fc.constantFrom('1xx', '2xx', '3XX', '4xx', '5xx'), fc.integer({ min: 100, max: 599 }).map(String)), { minLength: 1, maxLength: 4 })
    .map((list) => ` ${list.join(' , ')}`),
  healthBody: fc.string({ unit: 'binary', maxLength: 64 }),
} satisfies Record<(typeof backendHealthKeys)[number], fc.Arbitrary<unknown>>;

/** A valid value for every route setting; the test checks no setting lacks one. */
export const settingValues: Record<string, fc.Arbitrary<unknown>> = {
  ...healthValues,
  hashKey: fc.oneof(
    fc.constant({ source: 'path' }),
    fc.record({ source: fc.constantFrom(...hashKeySources), name: headerName }),
  ),
  stripPrefix: fc.boolean(),
  rewriteHost: fc.boolean(),
  verifyBackendTls: fc.boolean(),
  backendHeader: fc.boolean(),
  redirectHttps: fc.boolean(),
  retries: fc.integer({ min: 0, max: 10 }),
  connectTimeoutMs: ms(1, 600_000),
  responseHeaderTimeoutMs: ms(1, 3_600_000),
  idleTimeoutMs: ms(1, 3_600_000),
  sticky: fc.constantFrom('off', 'cookie', 'ip'),
  stickyCookie: headerName,
  rateLimitRps: fc.oneof(fc.double({ min: 0, max: 1_000_000, noNaN: true }), fc.integer({ min: 0, max: 1_000_000 })),
  rateLimitBurst: fc.integer({ min: 1, max: 1_000_000 }),
  rateLimitPer: fc.constantFrom('ip', 'global'),
  compression: fc.boolean(),
  cache: fc.boolean(),
  serveStaleWhenDown: fc.boolean(),
  healthIntervalMs: ms(100, 3_600_000),
  healthTimeoutMs: ms(1, 600_000),
  healthRise: fc.integer({ min: 1, max: 100 }),
  healthFall: fc.integer({ min: 1, max: 100 }),
  ejectAfter: fc.integer({ min: 0, max: 1000 }),
  ejectOn5xx: fc.boolean(),
  ejectBaseMs: ms(1, 86_400_000),
  ejectMaxMs: ms(1, 86_400_000),
  maxEjectedPercent: percent,
  panicThresholdPercent: percent,
  maxConnections: fc.integer({ min: 1, max: 1_000_000 }),
  // v1 and v2 are refused on the HTTP routes the fuzzer makes (route-kind.ts): refused input must change nothing.
  proxyProtocol: fc.constantFrom('off', 'v1', 'v2'),
  // UDP routes' own: refused on the HTTP routes the fuzzer makes, as above.
  udpResponses: fc.integer({ min: 0, max: 1000 }),
  healthSend: fc.string({ unit: 'binary', maxLength: 64 }),
  healthExpect: fc.string({ unit: 'binary', maxLength: 64 }),
  cacheStorage: fc.constantFrom('memory', 'disk'),
  cacheDiskMaxMb: fc.integer({ min: 1, max: 1_048_576 }),
};

export const settingKeys = Object.keys(routeSettingsPatchSchema.shape);

const optional = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { requiredKeys: [] });

const settingsPatch = fc
  .subarray(settingKeys, { maxLength: 6 })
  .chain((keys) => fc.record(Object.fromEntries(keys.map((key) => [key, settingValues[key]!]))))
  .map((patch) => ({ healthCheck: 'off', ...patch }));

const healthOverrides = optional(
  Object.fromEntries(backendHealthKeys.map((key) => [key, fc.oneof({ weight: 4, arbitrary: healthValues[key] }, fc.constant(null))])),
);

const newBackend = fc.record({ url: validUrl, weight, enabled: fc.boolean(), health: healthOverrides }, { requiredKeys: ['url'] });

const routeRef = fc.constantFrom(new Ref('routeA'), new Ref('routeB'));
const backendRef = fc.constantFrom(new Ref('backendA0'), new Ref('backendA1'), new Ref('backendB0'));
/** Existing ids mostly; sometimes one that was never created. */
const idOf = (existing: fc.Arbitrary<Ref>) => fc.oneof({ weight: 4, arbitrary: existing }, fc.integer({ min: 1_000_000, max: 2 ** 31 }));

// Certificate names under the CA's default domains (mixed case and a trailing dot are normalised),
// loopback IPs; RSA now and then (a key takes ~100 ms to make).
const certificateName = fc.oneof(
  fc
    .tuple(fc.constantFrom('', '*.'), fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('localhost', 'test', 'internal', 'home.arpa'))
    .map(([wildcard, labels, domain]) => `${wildcard}${labels.join('.')}.${domain}`),
  fc.constantFrom('localhost', 'API.Test.localhost.', ' x.test ', '127.0.0.1', '127.8.9.10', '::1', '0:0::1', fixtureHosts.routeA),
);
const certificateNames = fc.array(certificateName, { minLength: 1, maxLength: 3 });
const keyType = fc.oneof({ weight: 4, arbitrary: fc.constant('ecdsa-p256') }, { weight: 1, arbitrary: fc.constant('rsa-2048') });
/** Ids the fixture may hold (a route's certificate, when an HTTPS listener issued it) and one it never does. */
const certificateId = fc.constantFrom(fixtureHosts.routeA, fixtureHosts.routeB, 'never-issued.localhost');
const ownDomain = fc
  .tuple(fc.array(label, { minLength: 2, maxLength: 3 }), fc.constantFrom('', '.'))
  .chain(([labels, dot]) => fc.mixedCase(fc.constant(`${labels.join('.')}${dot}`)));

const projectFile = fc
  .record(
    {
      settings: optional({ keepAliveTimeoutMs: fc.integer({ min: 100, max: 3_600_000 }), trafficRecords: fc.integer({ min: 0, max: 100_000 }), accessLog: fc.boolean() }),
      certificates: fc.record({ domains: fc.uniqueArray(ownDomain, { maxLength: 2, selector: (domain) => domain.toLowerCase().replace(/\.$/, '') }) }),
    },
    { requiredKeys: [] },
  )
  .map((file) => JSON.stringify({ version: 1, ...file }, null, 2));

/** Valid input for every command, derived by name so the test can tell when one is missing. */
export const validInputs: Record<CommandName, fc.Arbitrary<Record<string, unknown>>> = {
  status: fc.constant({}),
  'backends.live': fc.constant({}),
  'routes.list': fc.constant({}),
  'routes.export': fc.record({ format: fc.constantFrom(...exportFormats) }),
  'routes.history': fc.record({ routeId: idOf(routeRef), seconds: fc.integer({ min: 10, max: 900 }) }, { requiredKeys: ['routeId'] }),
  'timeline.list': fc.record({ routeId: idOf(routeRef), limit: fc.integer({ min: 1, max: 1000 }) }, { requiredKeys: [] }),
  'traffic.list': fc.record({ routeId: idOf(routeRef), after: fc.nat(), limit: fc.integer({ min: 1, max: 100_000 }) }, { requiredKeys: [] }),
  'traffic.get': fc.record({ id: fc.integer({ min: 1, max: 2 ** 31 }) }),
  'traffic.clear': fc.constant({}),
  'routes.create': fc.record(
    { host: validHost, path: validPath, algorithm: fc.constantFrom(...algorithms), settings: settingsPatch, backends: fc.array(newBackend, { maxLength: 3 }) },
    { requiredKeys: ['host', 'settings'] },
  ),
  'routes.update': fc.record(
    { id: idOf(routeRef), host: validHost, path: validPath, algorithm: fc.constantFrom(...algorithms), settings: settingsPatch },
    { requiredKeys: ['id'] },
  ),
  'routes.delete': fc.record({ id: idOf(routeRef) }),
  'backends.add': fc
    .tuple(idOf(routeRef), newBackend)
    .map(([routeId, backend]) => ({ routeId, ...backend })),
  'backends.update': fc.record({ id: idOf(backendRef), url: validUrl, weight, health: healthOverrides }, { requiredKeys: ['id'] }),
  'backends.setEnabled': fc.record({ id: idOf(backendRef), enabled: fc.boolean() }),
  'backends.drain': fc.record({ id: idOf(backendRef) }),
  'backends.remove': fc.record({ id: idOf(backendRef) }),
  'settings.get': fc.constant({}),
  'settings.update': optional({
    requestHeaderTimeoutMs: fc.integer({ min: 100, max: 600_000 }),
    maxHeaderBytes: fc.integer({ min: 1_024, max: 1_048_576 }),
    keepAliveTimeoutMs: fc.integer({ min: 100, max: 3_600_000 }),
    maxConnections: fc.integer({ min: 1, max: 1_000_000 }),
    trafficRecords: fc.integer({ min: 0, max: 100_000 }),
    accessLog: fc.boolean(),
    accessLogMaxBytes: fc.integer({ min: 65_536, max: 1_073_741_824 }),
    useStandardPorts: fc.boolean(),
  }),
  'token.rotate': fc.constant({}),
  'cache.stats': fc.constant({}),
  'cache.purge': fc.oneof(
    fc.record({ routeId: idOf(routeRef), url: fc.constantFrom('/', '/users?page=2', 'http://api.localhost/users') }, { requiredKeys: [] }),
    fc.record({ routeId: idOf(routeRef), prefix: fc.constantFrom('/api', 'https://api.localhost/v1/') }, { requiredKeys: [] }),
  ),
  'certificates.get': fc.constant({}),
  'certificates.issue': fc.record({ names: certificateNames, keyType }, { requiredKeys: ['names'] }),
  'certificates.regenerate': fc.record({ id: certificateId, keyType }, { requiredKeys: ['id'] }),
  'certificates.remove': fc.oneof(fc.record({ id: certificateId }), fc.record({ names: certificateNames })),
  'certificates.exportCa': fc.constant({}),
  'certificates.setDomains': fc.record({ domains: fc.array(ownDomain, { maxLength: 3 }) }),
  'certificates.addDomain': fc.record({ domain: ownDomain }),
  'certificates.removeDomain': fc.record({ domain: ownDomain }),
  'certificates.trust': fc.constant({}),
  // Only the NOT_AVAILABLE path runs here: serve cannot show a password prompt.
  'certificates.installTrust': fc.constant({}),
  // Project files with listener limits and CA domains, no routes: without prune the fixture's routes stay as they are.
  'project.diff': projectFile.map((text) => ({ text })),
  'project.apply': fc.tuple(projectFile, fc.boolean()).map(([text, prune]) => (prune ? { text, prune: false } : { text })),
  'project.export': fc.constant({}),
  'demo.start': fc.constant({}),
  'demo.stop': fc.constant({}),
  // Names answered without a lookup (.localhost, wildcards, IP literals): a fuzz case must not query DNS.
  'hosts.check': fc.record({ host: fc.oneof(fc.constantFrom('*', '[::1]', '127.0.0.1', 'localhost', 'tcp://127.0.0.1:15432'), fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => `${labels.join('.')}.localhost`)) }),
};

// ---- mutations of valid input ----------------------------------------------

type Path = (string | number)[];

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] =>
  typeof value === 'object' && value !== null && !(value instanceof Ref) && !(value instanceof RawJson);

/** Every place in a value that a mutation can hit, the root included. */
function pathsOf(value: unknown, at: Path = []): Path[] {
  if (!isContainer(value)) return [at];
  return [at, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...at, Array.isArray(value) ? Number(key) : key]))];
}

/** A copy of `value` with `replace` applied at `path`; copies only along the path. */
function updateAt(value: unknown, path: Path, replace: (old: unknown) => unknown): unknown {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path;
  if (Array.isArray(value)) return (value as unknown[]).map((item, index) => (index === head ? updateAt(item, rest, replace) : item));
  const entries = Object.entries(value as Record<string, unknown>);
  const next: [string, unknown][] = entries.map(([key, item]) => [key, key === head ? updateAt(item, rest, replace) : item]);
  if (!entries.some(([key]) => key === head)) next.push([String(head), updateAt(undefined, rest, replace)]);
  return objectWith(next);
}

/** One field (possibly nested, possibly a known field that was left out) replaced by a hostile value. */
const replaceOneField = (valid: Record<string, unknown>, knownKeys: string[]) =>
  fc
    .tuple(fc.constantFrom(...pathsOf(valid), ...knownKeys.map((key) => [key])), hostileValue)
    .map(([path, hostile]) => updateAt(valid, path, () => hostile));

/** A hostile character spliced into one string of a valid input (a newline in a URL, NUL in a host...). */
const spliceIntoString = (valid: Record<string, unknown>) => {
  const strings = pathsOf(valid).filter((path) => typeof path.reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], valid) === 'string');
  if (strings.length === 0) return fc.constant(valid);
  return fc.tuple(fc.constantFrom(...strings), hostileChar, fc.nat()).map(([path, char, at]) =>
    updateAt(valid, path, (text) => {
      const position = at % ((text as string).length + 1);
      return `${(text as string).slice(0, position)}${char}${(text as string).slice(position)}`;
    }),
  );
};

/** An extra key on the input or on one of its nested objects. */
const addUnknownKey = (valid: Record<string, unknown>) => {
  const objects = pathsOf(valid).filter((path) => {
    const node = path.reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], valid);
    return isContainer(node) && !Array.isArray(node);
  });
  return fc.tuple(fc.constantFrom(...objects), unknownKey, hostileValue).map(([path, key, extra]) =>
    updateAt(valid, path, (node) => objectWith([...Object.entries(node as Record<string, unknown>), [key, extra]])),
  );
};

/**
 * Inputs for one command: valid ones, valid ones with one thing made
 * hostile, and a hostile value as the whole input.
 */
export function fuzzInputs(name: CommandName, knownKeys: string[]): fc.Arbitrary<unknown> {
  const valid = validInputs[name];
  return fc.oneof(
    { weight: 2, arbitrary: valid },
    { weight: 4, arbitrary: valid.chain((input) => replaceOneField(input, knownKeys)) },
    { weight: 2, arbitrary: valid.chain(spliceIntoString) },
    { weight: 1, arbitrary: valid.chain(addUnknownKey) },
    { weight: 1, arbitrary: hostileValue },
  );
}
