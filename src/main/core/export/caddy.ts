import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import {
  backendAddress,
  byHost,
  isLocalName,
  isOutOfService,
  isListenRoute,
  isSafeRoute,
  leftOutNotes,
  oneLine,
  preamble,
  statusList,
  unsafeBackendNote,
  unsafeRouteNote,
  type ExportOptions,
} from './common';

// Caddy 2.6 (Debian 12's) and later, standard modules only. Indented with
// tabs, as `caddy fmt` writes a Caddyfile.

/** Caddy retries a failed upstream for up to this long, in lb_retries' steps. */
const tryDurationMs = 5_000;

const printable = /^[\x20-\x7e]*$/;

/** A Caddyfile token taken literally: backticks turn off escapes, and text with braces (placeholders) or backticks is refused. */
const rawToken = (text: string): string | undefined => (printable.test(text) && !/[`{}]/.test(text) ? `\`${text}\`` : undefined);

const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Cookie and header names as a Caddyfile token; others (quotes, $, |...) are the model's but not safe here. */
const plainName = (name: string) => /^[a-z0-9_-]+$/i.test(name);

function lbPolicy(route: Route, notes: string[]): string | undefined {
  const { sticky, stickyCookie, hashKey } = route.settings;
  if (sticky === 'cookie') {
    // Caddy's cookie policy pins a client with a cookie it sets, as Switchyard's sticky does.
    if (plainName(stickyCookie)) return `lb_policy cookie ${stickyCookie}`;
    notes.push('sticky=cookie: the cookie name has characters a Caddyfile cannot take as a word; not sticky here');
  }
  if (sticky === 'ip') return 'lb_policy ip_hash';
  switch (route.algorithm) {
    case 'round-robin':
      return undefined;
    case 'weighted-round-robin':
      notes.push('weighted-round-robin: Caddy 2.8+ has lb_policy weighted_round_robin with the weights in order; Caddy 2.6 has none, so round_robin here');
      return 'lb_policy round_robin';
    case 'least-connections':
      return 'lb_policy least_conn';
    case 'ip-hash':
      return 'lb_policy ip_hash';
    case 'random-two-choices':
      return 'lb_policy random_choose 2';
    case 'consistent-hash': {
      if (hashKey.source === 'path') {
        notes.push('consistent-hash on the path: Caddy hashes the whole URI, query included');
        return 'lb_policy uri_hash';
      }
      const name = hashKey.name!;
      if (!plainName(name)) {
        notes.push(`consistent-hash on a ${hashKey.source} whose name a Caddyfile cannot take as a word: round_robin here`);
        return 'lb_policy round_robin';
      }
      if (hashKey.source === 'header') return `lb_policy header ${name}`;
      notes.push(`consistent-hash on cookie ${name}: Caddy's cookie policy pins clients with a cookie it sets instead of hashing yours`);
      return `lb_policy cookie ${name}`;
    }
  }
}

function reverseProxy(route: Route, notes: string[]): string[] {
  const s = route.settings;
  const upstreams: string[] = [];
  let scheme: string | undefined;
  route.backends.forEach((backend, index) => {
    const address = backendAddress(backend.url);
    if (!address) return notes.push(unsafeBackendNote(route, index));
    if (isOutOfService(backend)) return notes.push(`${backend.url} left out: ${backend.draining ? 'draining' : 'switched off'} in Switchyard (Caddy has no per-upstream switch in the Caddyfile)`);
    scheme ??= address.scheme;
    if (address.scheme !== scheme) return notes.push(`${backend.url} left out: one reverse_proxy transport is http or https, and the first backend is ${scheme}`);
    upstreams.push(address.hostPort);
  });
  if (upstreams.length === 0) {
    notes.push('no backend could be written: Caddy answers 503');
    return ['respond 503'];
  }
  const lines: string[] = [];
  const policy = lbPolicy(route, notes);
  if (policy) lines.push(policy);
  if (route.backends.some((b) => b.weight !== 1) && route.algorithm !== 'round-robin' && route.algorithm !== 'weighted-round-robin') {
    notes.push('weights: Caddy\'s policies other than weighted_round_robin do not weigh upstreams');
  }
  lines.push(`lb_retries ${s.retries}`, `lb_try_duration ${tryDurationMs}ms`);
  if (s.healthCheck === 'http') {
    const uri = rawToken(s.healthPath);
    if (uri) lines.push(`health_uri ${uri}`);
    const statuses = statusList(s.healthStatuses);
    if (statuses) lines.push(`health_status ${statuses[0]!}`);
    if (statuses && statuses.length > 1) notes.push(`healthStatuses=${statuses.join(',')}: Caddy's health_status takes one code or class, so only ${statuses[0]!}`);
    if (s.healthMethod !== 'GET') notes.push('healthMethod=HEAD: Caddy 2.6 checks with GET');
    if (s.healthBody) {
      const body = rawToken(regexEscape(s.healthBody));
      if (body) lines.push(`health_body ${body}`);
      else notes.push('healthBody: has characters a Caddyfile cannot take literally; the check ignores the body');
    }
    lines.push(`health_interval ${s.healthIntervalMs}ms`, `health_timeout ${s.healthTimeoutMs}ms`);
    if (s.healthRise !== 1 || s.healthFall !== 1) notes.push('healthRise/healthFall: Caddy 2.6 changes state on one check (health_passes/health_fails are 2.8+)');
  } else if (s.healthCheck === 'tcp') {
    notes.push('healthCheck=tcp: no equivalent in Caddy (its active checks are HTTP requests); passive checks only');
  }
  if (s.ejectAfter > 0) {
    // Passive health: a failed upstream rests for fail_duration after max_fails failures.
    lines.push(`fail_duration ${s.ejectBaseMs}ms`, `max_fails ${s.ejectAfter}`);
    if (s.ejectOn5xx) lines.push('unhealthy_status 5xx');
    notes.push('ejection: Caddy counts failures within fail_duration, not consecutive ones, and has no growing ejection time or maxEjectedPercent');
  }
  if (s.rewriteHost) lines.push('header_up Host {upstream_hostport}');
  if (s.backendHeader) lines.push('header_down X-Switchyard-Backend {http.reverse_proxy.upstream.hostport}');
  const transport = [`dial_timeout ${s.connectTimeoutMs}ms`, `response_header_timeout ${s.responseHeaderTimeoutMs}ms`, `read_timeout ${s.idleTimeoutMs}ms`];
  if (scheme === 'https') transport.push('tls', ...(s.verifyBackendTls ? [] : ['tls_insecure_skip_verify']));
  lines.push('transport http {', ...transport.map((line) => `\t${line}`), '}');
  if (s.panicThresholdPercent > 0) notes.push('panicThresholdPercent: no equivalent in Caddy (with every upstream down it answers 502)');
  return [`reverse_proxy ${upstreams.join(' ')} {`, ...lines.map((line) => `\t${line}`), '}'];
}

function routeBlock(route: Route, index: number, options: ExportOptions, mixedRedirect: boolean): string[] {
  const s = route.settings;
  const notes: string[] = [];
  const inner: string[] = [];
  const matcher = `@r${index}`;
  if (mixedRedirect && s.redirectHttps) {
    const port = options.httpsPort === 443 ? '' : `:${options.httpsPort}`;
    inner.push(`${matcher}_http protocol http`, `redir ${matcher}_http https://{host}${port}{uri} 308`);
  }
  if (s.rateLimitRps > 0) notes.push('rate limit: no equivalent in standard Caddy (the caddy-ratelimit plugin has rate_limit)');
  if (s.stripPrefix && route.path !== '/') inner.push(`uri strip_prefix ${route.path}`);
  if (s.compression) inner.push('encode gzip');
  if (s.cache) notes.push(`cache: no equivalent in standard Caddy (the cache-handler plugin has one)${s.serveStaleWhenDown ? '; serveStaleWhenDown neither' : ''}`);
  inner.push(...reverseProxy(route, notes));
  const head = [`# ${routeLabel(route)}`, ...notes.map((note) => `# ${oneLine(note)}`)];
  if (route.path === '/') return [...head, 'handle {', ...inner.map((line) => `\t${line}`), '}'];
  // Named matchers keep the order written: longest prefix first, as Switchyard picks.
  return [...head, `${matcher} path ${route.path} ${route.path}/*`, `handle ${matcher} {`, ...inner.map((line) => `\t${line}`), '}'];
}

function siteAddresses(host: string, group: Route[], notes: string[]): string {
  if (host === '*') {
    notes.push('* (every other host): served over plain HTTP; HTTPS for names nobody listed needs on_demand TLS with an ask endpoint');
    return 'http://';
  }
  // Caddy redirects HTTP to HTTPS by itself (308) for a bare name; listing http:// too serves both, as Switchyard does.
  return group.every((r) => r.settings.redirectHttps) ? host : `http://${host}, https://${host}`;
}

/** A Caddyfile for the routes: one site per host, a handle per route. TCP routes need the caddy-l4 plugin and are only listed. */
export function toCaddyfile(routes: readonly Route[], options: ExportOptions): string {
  const out = [...preamble('Caddy', routes, '#')];
  // A `*` in a Caddy path matcher is a wildcard, and there is no escaping it.
  const safe = routes.filter((route) => isSafeRoute(route) && !route.path.includes('*'));
  out.push(...leftOutNotes(routes, '#'));
  for (const route of routes.filter((r) => isSafeRoute(r) && r.path.includes('*'))) out.push(`# ${unsafeRouteNote(route)} (Caddy reads * in a path as a wildcard)`);
  for (const route of safe.filter(isListenRoute)) {
    out.push(`# ${route.host} not exported: Caddy proxies ${route.kind.toUpperCase()} only with the caddy-l4 plugin (layer4 app)`);
  }
  out.push('{', `\thttp_port ${options.httpPort}`, `\thttps_port ${options.httpsPort}`, '}');
  let index = 0;
  for (const [host, group] of byHost(safe.filter((r) => r.kind === 'http'))) {
    const notes: string[] = [];
    const address = siteAddresses(host, group, notes);
    if (host.startsWith('*.')) notes.push(`${host}: Caddy's wildcard matches one label; Switchyard's matches any depth`);
    const mixedRedirect = host !== '*' && !group.every((r) => r.settings.redirectHttps);
    const body: string[] = [];
    if (host !== '*' && isLocalName(host.replace(/^\*\./, ''))) body.push('tls internal');
    else if (host !== '*') notes.push(`${host}: Caddy gets a certificate by ACME once the name's DNS points at this server`);
    for (const route of group) body.push(...routeBlock(route, (index += 1), options, mixedRedirect));
    out.push('', ...notes.map((note) => `# ${oneLine(note)}`), `${address} {`, ...body.map((line) => `\t${line}`), '}');
  }
  return `${out.join('\n')}\n`;
}
