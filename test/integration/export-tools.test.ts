import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { TCPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TCPRoute';
import { UDPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/UDPRoute';
import { TLSRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TLSRoute';
import { exportConfig } from '../../src/main/core/export';
import { featureRoutes } from '../helpers/export-routes';
import { caddyCheck, haproxyCheck, nginxCheck, tlsFolder, yamlDocuments } from '../helpers/export-tools';

// Every format's export of one route per algorithm and feature, read by the
// real tool: nginx -t, haproxy -c, caddy adapt and validate, and the
// Kubernetes manifests against the published OpenAPI schemas
// (kubernetes-models and @kubernetes-models/gateway-api ship them and
// validate with ajv). Each test also asserts the comments for settings the
// format has no equivalent for.

const routes = featureRoutes();
let tls: { path: string; remove(): void };
const options = () => ({ httpPort: 18080, httpsPort: 18443, tlsDirectory: tls.path });

beforeAll(async () => {
  tls = await tlsFolder(routes);
});
afterAll(() => tls.remove());

/** The comment lines of a config (`#` to the end of the line, after any indentation). */
const comments = (text: string) => text.split('\n').filter((line) => /^\s*#/.test(line)).join('\n');

describe('nginx', () => {
  test('nginx -t accepts the export, and comments say what nginx OSS cannot do', async () => {
    const { text } = exportConfig('nginx', routes, options());
    const checked = await nginxCheck(text);
    expect(checked.output).toBe('');
    expect(checked.ok).toBe(true);
    expect(text).toContain('least_conn;');
    expect(text).toContain('random two least_conn;');
    expect(text).toContain('hash $cookie_shop_session consistent;');
    expect(text).toMatch(/server 127\.0\.0\.1:3000 weight=3 max_fails=5 fail_timeout=30s;/);
    expect(text).toContain('proxy_next_upstream_tries 4;');
    expect(text).toContain('limit_req_zone $binary_remote_addr zone=api_myapp_localhost:10m rate=10r/s;');
    expect(text).toContain('rate=150r/m;');
    expect(text).toContain('stream {');
    expect(text).toContain('listen 127.0.0.1:15353 udp;');
    expect(text).toContain('proxy_responses 1;');
    expect(text).toContain('ssl_preread on;');
    expect(text).toMatch(/map \$ssl_preread_server_name \$tls_127_0_0_1_18443 \{\n\s+hostnames;\n\s+db\.localhost tls_127_0_0_1_18443_db_localhost;/);
    expect(comments(text)).toContain('proxyProtocol=v2: nginx sends only v1');
    const notes = comments(text);
    expect(notes).toContain('healthCheck=http: no equivalent in nginx OSS');
    expect(notes).toContain('sticky=cookie: nginx OSS has no cookie stickiness');
    expect(notes).toContain('cache: nginx caches with proxy_cache');
    expect(notes).toContain('rewriteHost: nginx sends one Host for the whole upstream');
    expect(notes).toContain('compression: gzip only');
    expect(notes).toContain('paths no route of this host has: Switchyard tries the matching *.name and * routes next; nginx answers 404 here');
  });
});

describe('HAProxy', () => {
  test('haproxy -c accepts the export without warnings, and comments say what HAProxy cannot do', async () => {
    const { text } = exportConfig('haproxy', routes, options());
    const checked = await haproxyCheck(text);
    expect(checked.output).not.toMatch(/ALERT|WARNING/);
    expect(checked.ok).toBe(true);
    expect(text).toContain('balance leastconn');
    expect(text).toContain('balance random(2)');
    expect(text).toContain('cookie shop_session insert indirect nocache');
    expect(text).toMatch(/option httpchk\n\s+http-check send meth GET uri '\/healthz'/);
    expect(text).toContain('default-server inter 2000ms rise 2 fall 3');
    expect(text).toContain('retries 3');
    expect(text).toContain('option redispatch');
    expect(text).toContain('store http_req_rate(1s)');
    expect(text).toContain('mode tcp');
    expect(text).toContain("use_backend tls_127_0_0_1_18443_db_localhost if { req_ssl_sni -i 'db.localhost' }");
    expect(text).toMatch(/server s1 127\.0\.0\.1:8443 check send-proxy-v2/);
    const notes = comments(text);
    expect(notes).toContain('serveStaleWhenDown: no equivalent in HAProxy');
    expect(notes).toContain('rewriteHost: HAProxy sets one Host for the backend');
    expect(notes).toContain('panicThresholdPercent: no equivalent in HAProxy');
    expect(notes).toContain('udp://127.0.0.1:15353 not exported: HAProxy proxies TCP and HTTP, not UDP');
  });
});

describe('Caddy', () => {
  test('caddy adapt and caddy validate accept the export, and comments say what Caddy cannot do', async () => {
    const { text } = exportConfig('caddy', routes, options());
    const checked = await caddyCheck(text);
    expect(checked.output).toContain('Valid configuration');
    expect(checked.ok).toBe(true);
    expect(checked.output).not.toContain('not formatted');
    expect(text).toContain('lb_policy least_conn');
    expect(text).toContain('lb_policy cookie shop_session');
    expect(text).toContain('health_uri `/healthz`');
    expect(text).toContain('tls internal');
    expect(text).toContain('lb_try_duration');
    expect(JSON.stringify(checked.json)).toContain('"handler":"reverse_proxy"');
    const notes = comments(text);
    expect(notes).toContain('rate limit: no equivalent in standard Caddy');
    expect(notes).toContain('cache: no equivalent in standard Caddy');
    expect(notes).toContain('tcp://127.0.0.1:15432 not exported: Caddy proxies TCP only with the caddy-l4 plugin');
    expect(notes).toContain('healthCheck=tcp: no equivalent in Caddy');
  });
});

describe('Kubernetes', () => {
  test('the Ingress manifests pass the networking.k8s.io/v1 schema, and comments say what is not portable', () => {
    const { text } = exportConfig('k8s-ingress', routes, options());
    const docs = yamlDocuments(text);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) expect(() => new Ingress(doc as never).validate()).not.toThrow();
    expect(docs.map((d) => (d.metadata as { name: string }).name)).toContain('api.myapp.localhost');
    const notes = comments(text);
    expect(notes).toContain('weights: an Ingress has one Service per path');
    expect(notes).toContain('cache: no equivalent in an Ingress');
    expect(notes).toContain('sticky=cookie: not portable (ingress-nginx: nginx.ingress.kubernetes.io/affinity');
    expect(notes).toContain('tcp://127.0.0.1:15432 not exported: an Ingress routes HTTP only');
  });

  test('the HTTPRoute and TCPRoute manifests pass the Gateway API schemas, with weights, and comments say what has no equivalent', () => {
    const { text } = exportConfig('gateway-api', routes, options());
    const docs = yamlDocuments(text);
    const http = docs.filter((d) => d.kind === 'HTTPRoute');
    const tcp = docs.filter((d) => d.kind === 'TCPRoute');
    const udp = docs.filter((d) => d.kind === 'UDPRoute');
    expect(udp).toHaveLength(1);
    const tls = docs.filter((d) => d.kind === 'TLSRoute');
    expect(tls.map((d) => (d.spec as { hostnames?: string[] }).hostnames)).toEqual([['db.localhost'], ['*.db.localhost'], undefined]);
    for (const doc of tls) expect(() => new TLSRoute(doc as never).validate()).not.toThrow();
    for (const doc of udp) expect(() => new UDPRoute(doc as never).validate()).not.toThrow();
    expect(http.length).toBeGreaterThan(0);
    expect(tcp).toHaveLength(2);
    for (const doc of http) expect(() => new HTTPRoute(doc as never).validate()).not.toThrow();
    for (const doc of tcp) expect(() => new TCPRoute(doc as never).validate()).not.toThrow();
    expect(text).toMatch(/name: backend-3000\n\s+port: 3000\n\s+weight: 3/);
    const notes = comments(text);
    expect(notes).toContain('rate limit: no equivalent in Gateway API');
    expect(notes).toContain('Service backend-3000: fill in a Service for what listens on 127.0.0.1:3000');
  });

  test('the schema validation catches a broken manifest (the check is real)', () => {
    const doc = yamlDocuments(exportConfig('gateway-api', routes, options()).text).find((d) => d.kind === 'HTTPRoute')!;
    const broken = structuredClone(doc) as { spec: { rules: { backendRefs: { port: unknown }[] }[] } };
    broken.spec.rules[0]!.backendRefs[0]!.port = 'eighty';
    expect(() => new HTTPRoute(broken as never).validate()).toThrow();
  });
});
