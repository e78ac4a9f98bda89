import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { TCPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TCPRoute';
import { UDPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/UDPRoute';
import { TLSRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TLSRoute';
import { exportConfig } from '../../src/main/core/export';
import { algorithms, routeSettingsSchema, type Route } from '../../src/shared/model';
import { caddyCheck, haproxyCheck, nginxCheck, tlsFolder, yamlDocuments } from '../helpers/export-tools';
import { tempDir } from '../helpers/core';

// Routes with odd settings (every algorithm, sticky, rate limits, TLS, TCP,
// UDP and TLS passthrough) and values the store's schemas would refuse or that are syntax in
// a config (spaces, quotes, semicolons, braces, $, #, line breaks) in hosts,
// paths, backend hosts, cookie and header names, health paths, bodies and
// statuses. The exporters get them as raw Route objects, so their own checks
// are what is tested: every output must pass the real tool, and the marker
// may appear only in a comment or inside a quoted word (nginx, HAProxy), or
// as a path the tool read as one (Caddy's adapted JSON, the manifests),
// never as config. Runs and seed are printed on failure; FUZZ_SEED replays one.

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const runs = Number(process.env.FUZZ_RUNS ?? 15);
// A hyphen, so an identifier made from a path (letters, digits, _) never holds the marker.
const marker = 'INJ-ECTED';
/** Each run spawns every tool once: give it room on a loaded 2-core machine. */
const fuzzTimeoutMs = 30_000 + runs * 4_000;

const hostile = [
  ' ', ';', '"', "'", '{', '}', '$', '#', '\\', '`', '\n', '\r', '\t', '*', '|', '(', ')', '%0a', '%22', '%7b', '\u0000', 'é',
].map((char) => `${char}${marker}${char}`);
const hostileText = fc.oneof(fc.constantFrom(...hostile), fc.constantFrom(`x; return 200 ${marker};`, `x } server { listen 1; # ${marker}`, `a'"'"'${marker}`, `\${${marker}}`, `{env.${marker}}`));
const validHost = fc.constantFrom('api.myapp.localhost', '*.preview.localhost', '*', '127.0.0.1', '[::1]', 'shop.example.com', 'a-b.c-d.test');
const validPath = fc.constantFrom('/', '/api', "/a'b", '/a;b', '/a$b', '/%20x', '/(x)', '/a*b', '/a=b&c', '/~u/@v:w', '/%zz');
// nginx and HAProxy resolve backend names as they load: only names this machine resolves.
const validBackend = fc.constantFrom('http', 'https').chain((scheme) => fc.constantFrom(`${scheme}://127.0.0.1:3000`, `${scheme}://localhost:3001`, `${scheme}://[::1]:3002`, `${scheme}://127.0.0.2:8080`));
const hostileBackend = (scheme: string) => fc.constantFrom(`${scheme}://a;b{c}:3000`, `${scheme}://x$y:1`, `${scheme}://a'b:2`, `${scheme}://a"b:2`, `${scheme}://a}b:3`, `${scheme}://${marker};{:4`);
const name = fc.oneof(fc.constantFrom('session', 'x-user', 'tenant_id', "a'b", 'a$b', 'a|b', 'a.b', 'A-B'), hostileText);
const either = <T>(valid: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: bad });

const httpSettings = fc.record(
  {
    sticky: fc.constantFrom('off', 'cookie', 'ip'),
    stickyCookie: name,
    hashKey: fc.oneof(fc.constant({ source: 'path' }), fc.record({ source: fc.constantFrom('header', 'cookie'), name })),
    rateLimitRps: fc.constantFrom(0, 1, 2.5, 0.001, 1000),
    rateLimitPer: fc.constantFrom('ip', 'global'),
    healthCheck: fc.constantFrom('tcp', 'http', 'off'),
    healthPath: either(fc.constantFrom('/health', '/h?x=1', "/h'x", '/h;x'), hostileText.map((t) => `/${t}`)),
    healthBody: either(fc.constantFrom('', 'ok', 'a b'), hostileText),
    healthStatuses: either(fc.constantFrom('2xx', '2xx,301', '200, 204'), hostileText),
    stripPrefix: fc.boolean(),
    redirectHttps: fc.boolean(),
    rewriteHost: fc.boolean(),
    compression: fc.boolean(),
    cache: fc.boolean(),
    serveStaleWhenDown: fc.boolean(),
    ejectAfter: fc.constantFrom(0, 5),
    ejectOn5xx: fc.boolean(),
    verifyBackendTls: fc.boolean(),
  },
  { requiredKeys: [] },
);

let nextId = 1;
const httpRoute = fc
  .record({
    host: either(validHost, hostileText),
    path: either(validPath, hostileText.map((t) => `/${t}`)),
    algorithm: fc.constantFrom(...algorithms),
    settings: httpSettings,
    backends: fc.array(fc.record({ url: either(validBackend, hostileBackend('http')), weight: fc.integer({ min: 1, max: 5 }), enabled: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  })
  .map(({ settings, ...rest }) => ({ ...rest, kind: 'http' as const, settings }));
const listenRoute = fc
  .record({
    kind: fc.constantFrom('tcp' as const, 'udp' as const, 'tls' as const),
    port: fc.integer({ min: 20_000, max: 20_999 }),
    serverName: fc.constantFrom('db.localhost', '*.db.localhost', '*', `db;${marker}`, `*.{${marker}}`),
    bad: fc.boolean(),
    algorithm: fc.constantFrom(...algorithms),
    proxyProtocol: fc.constantFrom('off', 'v1', 'v2'),
    backends: fc.array(fc.record({ url: fc.constant(''), weight: fc.integer({ min: 1, max: 5 }), enabled: fc.boolean() }), { minLength: 1, maxLength: 2 }),
  })
  .map(({ kind, port, serverName, bad, proxyProtocol, backends, ...rest }) => {
    const address = `${kind}://127.0.0.1:${port}${kind === 'tls' ? `/${serverName}` : ''}`;
    const backendScheme = kind === 'udp' ? 'udp' : 'tcp';
    return {
      ...rest,
      kind,
      host: bad ? `${address};${marker}` : address,
      path: '/',
      settings: { healthCheck: 'off', ...(kind === 'udp' ? {} : { proxyProtocol }) },
      backends: backends.map((b, i) => ({ ...b, url: i % 2 ? `${backendScheme}://a;b{${marker}}:5` : `${backendScheme}://127.0.0.1:${5000 + i}` })),
    };
  });

/** Raw Route objects: settings parsed for their defaults, then hostile values put back as the fuzz chose them. */
function toRoutes(specs: { kind: Route['kind']; host: string; path: string; algorithm: Route['algorithm']; settings: Record<string, unknown>; backends: { url: string; weight: number; enabled: boolean }[] }[]): Route[] {
  const seen = new Set<string>();
  return specs.flatMap((spec) => {
    // One route per host and path, as the store keeps them.
    if (seen.has(`${spec.host} ${spec.path}`)) return [];
    seen.add(`${spec.host} ${spec.path}`);
    const id = nextId++;
    const settings = { ...routeSettingsSchema.parse({}), ...spec.settings };
    return [{ id, kind: spec.kind, host: spec.host, path: spec.path, algorithm: spec.algorithm, settings, backends: spec.backends.map((b, i) => ({ id: id * 10 + i, routeId: id, url: b.url, weight: b.weight, enabled: b.enabled, draining: false, health: {} })) }];
  });
}

/** What is left of a config once comments and quoted words are taken out: the marker must not be in it. */
const unquoted = {
  nginx: (text: string) => text.replace(/"(?:[^"\\\n]|\\.)*"/g, '""').replace(/#.*$/gm, ''),
  haproxy: (text: string) => text.replace(/'[^'\n]*'|"(?:[^"\\\n]|\\.)*"/g, "''").replace(/#.*$/gm, ''),
};

/** Where in parsed JSON the marker is, other than as a value the user wrote: a path (matcher, prefix to strip, Ingress or HTTPRoute path) or a health check's URI or body. */
function markerOutsidePaths(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return value.includes(marker) && !['path', 'value', 'strip_path_prefix', 'uri', 'expect_body'].includes(key) ? [`${key}: ${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((item) => markerOutsidePaths(item, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => (k.includes(marker) ? [`key ${k}`] : []).concat(markerOutsidePaths(v, k)));
  return [];
}

describe('exporters with hostile and odd routes', () => {
  let tls: { path: string; remove(): void };
  const work = tempDir('switchyard-export-fuzz-');
  beforeAll(async () => {
    tls = await tlsFolder([]);
  });
  afterAll(() => {
    tls.remove();
    work.remove();
  });

  it(`every output passes nginx -t, haproxy -c, caddy validate and the Kubernetes schemas, with no injected config (seed ${seed})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ weight: 3, arbitrary: httpRoute }, { weight: 1, arbitrary: listenRoute }), { minLength: 1, maxLength: 5 }), async (specs) => {
        const routes = toRoutes(specs);
        const folder = await tlsFolder(routes);
        const options = { httpPort: 18080, httpsPort: 18443, tlsDirectory: folder.path };
        try {
          const nginx = exportConfig('nginx', routes, options).text;
          expect(unquoted.nginx(nginx), nginx).not.toContain(marker);
          const nginxResult = await nginxCheck(nginx);
          expect(nginxResult.ok, `${nginxResult.output}\n${nginx}`).toBe(true);

          const haproxy = exportConfig('haproxy', routes, options).text;
          expect(unquoted.haproxy(haproxy), haproxy).not.toContain(marker);
          const haproxyResult = await haproxyCheck(haproxy);
          expect(haproxyResult.output, haproxy).not.toMatch(/ALERT|WARNING/);

          const caddy = exportConfig('caddy', routes, options).text;
          const caddyResult = await caddyCheck(caddy);
          expect(caddyResult.ok, `${caddyResult.output}\n${caddy}`).toBe(true);
          expect(markerOutsidePaths(caddyResult.json), caddy).toEqual([]);

          for (const doc of yamlDocuments(exportConfig('k8s-ingress', routes, options).text)) {
            expect(() => new Ingress(doc as never).validate()).not.toThrow();
            expect(markerOutsidePaths(doc)).toEqual([]);
          }
          const models = { HTTPRoute, TCPRoute, UDPRoute, TLSRoute } as Record<string, new (doc: never) => { validate(): void }>;
          for (const doc of yamlDocuments(exportConfig('gateway-api', routes, options).text)) {
            expect(() => new models[doc.kind as string]!(doc as never).validate()).not.toThrow();
            expect(markerOutsidePaths(doc)).toEqual([]);
          }
        } finally {
          folder.remove();
        }
      }),
      // No shrinking: each step runs every tool, and the first counterexample already names the value.
      { seed, numRuns: runs, endOnFailure: true },
    );
  }, fuzzTimeoutMs);
});
