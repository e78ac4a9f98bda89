import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import {
  backendAddress,
  certificateName,
  identifiers,
  inLookupOrder,
  isOutOfService,
  isSafeRoute,
  leftOutNotes,
  oneLine,
  preamble,
  statusList,
  tcpListen,
  tlsGroups,
  tlsRoute,
  unsafeBackendNote,
  usesWeights,
  type ExportOptions,
} from './common';

// HAProxy 2.6 (Debian 12's) and later.

/** Client addresses a rate-limit or sticky table remembers. */
const tableSize = '100k';
/** How long a sticky-by-address entry outlives the client's last request. */
const stickyExpiry = '30m';
/** The rate limit's window: Switchyard's token bucket refills per second. */
const rateWindow = '1s';
/** Switchyard's cache holds 64 MB, 8 MiB per entry (README, `cache`). */
const cacheMegabytes = 64;
const cacheObjectBytes = 8 * 1024 * 1024;
const compressibleTypes = 'text/plain text/css text/xml text/javascript application/json application/javascript application/xml image/svg+xml';

const printable = /^[\x20-\x7e]*$/;

/**
 * One HAProxy word: single quotes turn off every escape and `${VAR}`
 * expansion, and a `'` inside is closed, written in double quotes and
 * reopened, as in a shell. Undefined for text with control or non-ASCII
 * characters, which the caller leaves out with a comment.
 */
export function haproxyWord(text: string): string | undefined {
  if (!printable.test(text)) return undefined;
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function balance(route: Route, notes: string[]): string[] {
  const { hashKey, sticky } = route.settings;
  if (sticky === 'ip' && route.kind === 'http') notes.push('sticky=ip: a stick table on the client address keeps each client on its backend');
  switch (route.algorithm) {
    case 'round-robin':
    case 'weighted-round-robin':
      return ['balance roundrobin'];
    case 'least-connections':
      return ['balance leastconn'];
    case 'random-two-choices':
      return ['balance random(2)'];
    case 'ip-hash':
      return ['balance source'];
    case 'consistent-hash': {
      if (route.kind !== 'http') return ['balance source', 'hash-type consistent'];
      // The path without the query, as Switchyard hashes it.
      if (hashKey.source === 'path') return ['balance uri path-only', 'hash-type consistent'];
      const name = hashKey.name!;
      if (hashKey.source === 'cookie' || !/^[a-z0-9_-]+$/.test(name)) {
        notes.push(`consistent-hash on ${hashKey.source} ${name}: HAProxy 2.6 cannot hash ${hashKey.source === 'cookie' ? 'one cookie (balance hash req.cook() came later)' : 'this header name'}; balanced round-robin`);
        return ['balance roundrobin'];
      }
      notes.push('consistent-hash: HAProxy balances requests without the header round-robin, as Switchyard does');
      return [`balance hdr(${name})`, 'hash-type consistent'];
    }
  }
}

function healthLines(route: Route, notes: string[]): { lines: string[]; check: string } {
  const s = route.settings;
  const lines: string[] = [];
  if (s.healthCheck !== 'tcp' && s.healthCheck !== 'http') {
    if (s.ejectAfter > 0) notes.push('passive ejection needs checks in HAProxy (observe ... on-error mark-down marks a server down until checks pass): not written with healthCheck=off');
    return { lines, check: '' };
  }
  if (s.healthCheck === 'http') {
    const path = haproxyWord(s.healthPath);
    lines.push('option httpchk');
    if (path) lines.push(`http-check send meth ${s.healthMethod} uri ${path}`);
    const statuses = statusList(s.healthStatuses);
    if (statuses) lines.push(`http-check expect rstatus ${haproxyWord(`^(${statuses.map((part) => part.replace(/x/g, '.')).join('|')})$`)!}`);
    if (s.healthBody) {
      const body = haproxyWord(s.healthBody);
      if (body) lines.push(`http-check expect string ${body}`);
      else notes.push('healthBody: has characters HAProxy cannot take in a config word; the check ignores the body');
    }
  }
  lines.push(`timeout check ${s.healthTimeoutMs}ms`);
  // HAProxy's own passive health: consecutive errors on real traffic mark the server down until checks bring it back.
  const observe = s.ejectAfter > 0 ? ` observe ${s.ejectOn5xx ? 'layer7' : 'layer4'} error-limit ${s.ejectAfter} on-error mark-down` : '';
  lines.push(`default-server inter ${s.healthIntervalMs}ms rise ${s.healthRise} fall ${s.healthFall}${observe}`);
  if (s.ejectAfter > 0) notes.push('ejection: HAProxy marks the server down until checks pass, not for ejectBaseMs..ejectMaxMs; no maxEjectedPercent');
  return { lines, check: ' check' };
}

function servers(route: Route, cookie: boolean, check: string, notes: string[]): string[] {
  const lines: string[] = [];
  route.backends.forEach((backend, index) => {
    const address = backendAddress(backend.url);
    if (!address) {
      notes.push(unsafeBackendNote(route, index));
      return;
    }
    const parts = [`server s${index + 1} ${address.hostPort}`];
    if (usesWeights(route) && backend.weight !== 1) parts.push(`weight ${backend.weight}`);
    parts.push(check.trim());
    if (cookie) parts.push(`cookie s${index + 1}`);
    if (address.scheme === 'https') {
      parts.push(route.settings.verifyBackendTls ? 'ssl verify required ca-file @system-ca' : 'ssl verify none');
      if (!/^[\d.]+$|^\[/.test(address.host)) parts.push(`sni str(${address.host})`);
    }
    // The PROXY protocol header before the client's bytes (HAProxy's own send-proxy).
    if (route.settings.proxyProtocol !== 'off' && route.kind !== 'http') parts.push(route.settings.proxyProtocol === 'v2' ? 'send-proxy-v2' : 'send-proxy');
    if (isOutOfService(backend)) parts.push('disabled');
    lines.push(`    ${parts.filter(Boolean).join(' ')}${isOutOfService(backend) ? ` # ${backend.draining ? 'draining' : 'switched off'} in Switchyard` : ''}`);
  });
  return lines;
}

interface Sections {
  frontendRules: string[];
  backends: string[];
  extra: string[];
}

function httpBackend(route: Route, name: string, options: ExportOptions, sections: Sections): void {
  const s = route.settings;
  const notes: string[] = [];
  const lines: string[] = [];
  const cookieName = s.sticky === 'cookie' && /^[a-z0-9_-]+$/.test(s.stickyCookie) ? s.stickyCookie : undefined;
  if (s.sticky === 'cookie' && !cookieName) notes.push(`sticky=cookie: HAProxy cannot name cookie ${s.stickyCookie}; not sticky here`);
  lines.push(...balance(route, notes).map((line) => `    ${line}`));
  if (cookieName) lines.push(`    cookie ${cookieName} insert indirect nocache httponly`);
  if (s.sticky === 'ip') lines.push(`    stick-table type ip size ${tableSize} expire ${stickyExpiry}`, '    stick on src');
  const { lines: health, check } = healthLines(route, notes);
  lines.push(...health.map((line) => `    ${line}`));
  lines.push(
    `    timeout connect ${s.connectTimeoutMs}ms`,
    // HAProxy's timeout server is inactivity, for the wait for headers and for silence mid-response alike.
    `    timeout server ${Math.max(s.idleTimeoutMs, s.responseHeaderTimeoutMs)}ms`,
    `    retries ${s.retries}`,
    // Retries go to another server, as Switchyard's do.
    '    option redispatch',
  );
  if (s.responseHeaderTimeoutMs !== s.idleTimeoutMs) notes.push('responseHeaderTimeoutMs and idleTimeoutMs: HAProxy has one timeout server for both, set to the longer');
  if (s.redirectHttps) {
    lines.push(
      options.httpsPort === 443
        ? '    http-request redirect scheme https code 308 unless { ssl_fc }'
        : `    http-request redirect location https://%[var(txn.host)]:${options.httpsPort}%[capture.req.uri] code 308 unless { ssl_fc }`,
    );
  }
  if (s.rateLimitRps > 0) {
    const table = `rl_${name}`;
    const key = s.rateLimitPer === 'ip' ? 'src' : 'int(1)';
    sections.extra.push('', `backend ${table}`, `    stick-table type ${s.rateLimitPer === 'ip' ? 'ip' : 'integer'} size ${tableSize} expire 10s store http_req_rate(${rateWindow})`);
    // A token bucket lets rps plus a burst through in any second.
    const limit = Math.ceil(s.rateLimitRps + s.rateLimitBurst);
    lines.push(`    http-request track-sc0 ${key} table ${table}`, `    http-request deny deny_status 429 if { sc_http_req_rate(0,${table}) gt ${limit} }`);
    notes.push(`rate limit: HAProxy counts requests over the last second (more than ${limit}: rateLimitRps + rateLimitBurst) where Switchyard refills a token bucket; 429 without Retry-After`);
  }
  if (s.stripPrefix && route.path !== '/') {
    const pattern = haproxyWord(`^${regexEscape(route.path)}/?(.*)$`);
    if (pattern) lines.push(`    http-request replace-path ${pattern} '/\\1'`);
  }
  if (s.rewriteHost) notes.push("rewriteHost: HAProxy sets one Host for the backend, not each server's host:port; use http-request set-header Host with the name your servers expect");
  if (s.backendHeader) lines.push('    http-response set-header X-Switchyard-Backend %[srv_name]');
  if (s.compression) {
    lines.push('    compression algo gzip', `    compression type ${compressibleTypes}`);
    notes.push('compression: gzip only (HAProxy has no br)');
  }
  if (s.cache) {
    // HAProxy cuts a cache's name at 32 characters: a short one per route.
    const cache = `cache_${route.id}`;
    sections.extra.push('', `cache ${cache}`, `    total-max-size ${cacheMegabytes}`, `    max-object-size ${cacheObjectBytes}`, '    process-vary on');
    lines.push(`    http-request cache-use ${cache}`, `    http-response cache-store ${cache}`);
    notes.push('cache: HAProxy caches fresh responses only (no revalidation or stale-while-revalidate)');
    if (s.serveStaleWhenDown) notes.push('serveStaleWhenDown: no equivalent in HAProxy');
  }
  if (s.panicThresholdPercent > 0) notes.push('panicThresholdPercent: no equivalent in HAProxy (with every server down it answers 503)');
  const serverLines = servers(route, cookieName !== undefined, check, notes);
  sections.backends.push('', `# ${routeLabel(route)}`, ...notes.map((note) => `# ${oneLine(note)}`), `backend ${name}`, ...lines, ...serverLines);
}

function frontendRule(route: Route, name: string, index: number): string[] {
  const acl = `r${index}`;
  const lines: string[] = [];
  const conditions: string[] = [];
  if (route.host.startsWith('*.')) lines.push(`    acl ${acl}_host var(txn.host) -m end ${haproxyWord(route.host.slice(1))!}`);
  else if (route.host !== '*') lines.push(`    acl ${acl}_host var(txn.host) -m str ${haproxyWord(route.host)!}`);
  if (route.host !== '*') conditions.push(`${acl}_host`);
  if (route.path !== '/') {
    // Whole segments: /api and /api/..., not /apix. ACLs of one name are ORed.
    lines.push(`    acl ${acl}_path path -m str ${haproxyWord(route.path)!}`, `    acl ${acl}_path path -m beg ${haproxyWord(`${route.path}/`)!}`);
    conditions.push(`${acl}_path`);
  }
  lines.push(conditions.length ? `    use_backend ${name} if ${conditions.join(' ')}` : `    default_backend ${name}`);
  return lines;
}

/**
 * TLS passthrough: a TCP frontend per shared address waits for the
 * ClientHello (inspect-delay, Switchyard's 5 s) and picks the backend by its
 * SNI, names before wildcards before `*`, as Switchyard's TLS listener does.
 */
function tlsSections(routes: Route[], names: Map<number, string>): string[] {
  const out: string[] = [];
  for (const [listen, group] of tlsGroups(routes)) {
    const rules: string[] = [];
    const backends: string[] = [];
    for (const route of group) {
      const name = names.get(route.id)!;
      const { serverName } = tlsRoute(route);
      if (serverName === '*') rules.push(`    default_backend ${name}`);
      else if (serverName.startsWith('*.')) rules.push(`    use_backend ${name} if { req_ssl_sni -i -m end ${haproxyWord(serverName.slice(1))!} }`);
      else rules.push(`    use_backend ${name} if { req_ssl_sni -i ${haproxyWord(serverName)!} }`);
      const section = tcpListenSection(route, name, 'backend');
      if (serverName.startsWith('*.')) section.splice(2, 0, `# ${serverName}: HAProxy's -m end matches any depth below the name; Switchyard's takes one label`);
      backends.push(...section);
    }
    const first = group[0]!.settings;
    out.push(
      '',
      `frontend tls_${listen.replace(/^tls:\/\//, '').replace(/[^A-Za-z0-9]+/g, '_')}`,
      '    mode tcp',
      `    bind ${tcpListen(group[0]!).hostPort}`,
      `    timeout client ${first.idleTimeoutMs}ms`,
      '    tcp-request inspect-delay 5s',
      '    tcp-request content accept if { req_ssl_hello_type 1 }',
      ...rules,
      ...backends,
    );
  }
  return out;
}

function tcpListenSection(route: Route, name: string, section: 'listen' | 'backend' = 'listen'): string[] {
  const s = route.settings;
  const notes: string[] = [];
  const { lines: health, check } = healthLines(route, notes);
  const serverLines = servers(route, false, check, notes);
  if (s.panicThresholdPercent > 0) notes.push('panicThresholdPercent: no equivalent in HAProxy');
  return [
    '',
    `# ${route.host}`,
    ...notes.map((note) => `# ${oneLine(note)}`),
    `${section} ${name}`,
    '    mode tcp',
    ...(section === 'listen' ? [`    bind ${tcpListen(route).hostPort}`, `    maxconn ${s.maxConnections}`] : []),
    ...balance(route, notes).map((line) => `    ${line}`),
    ...health.map((line) => `    ${line}`),
    `    timeout connect ${s.connectTimeoutMs}ms`,
    ...(section === 'listen' ? [`    timeout client ${s.idleTimeoutMs}ms`] : []),
    `    timeout server ${s.idleTimeoutMs}ms`,
    `    retries ${s.retries}`,
    '    option redispatch',
    ...serverLines,
  ];
}

/** haproxy.cfg for the routes: one frontend for HTTP and HTTPS, a backend per HTTP route, a listen section per TCP route. */
export function toHaproxy(routes: readonly Route[], options: ExportOptions): string {
  const names = identifiers(routes);
  const safe = routes.filter(isSafeRoute);
  const out = [...preamble('HAProxy', routes, '#'), ...leftOutNotes(routes, '#')];
  for (const route of safe.filter((r) => r.kind === 'udp')) out.push(`# ${route.host} not exported: HAProxy proxies TCP and HTTP, not UDP (UDP is HAProxy Enterprise's)`);
  out.push(
    '',
    'global',
    '    # set user, group, log and stats for your system here',
    '',
    'defaults',
    '    mode http',
    '    option http-keep-alive',
    '    timeout http-request 10s',
    '    timeout http-keep-alive 5s',
    '    timeout client 60s',
    '    timeout connect 5s',
    '    timeout server 60s',
  );
  const http = inLookupOrder(safe.filter((r) => r.kind === 'http'));
  const sections: Sections = { frontendRules: [], backends: [], extra: [] };
  if (http.length) {
    const certs = [...new Set(http.map((r) => certificateName(r.host)))].map((file) => `crt ${haproxyWord(`${options.tlsDirectory}/${file}.pem`)!}`);
    http.forEach((route, index) => {
      const name = names.get(route.id)!;
      sections.frontendRules.push(...frontendRule(route, name, index + 1));
      httpBackend(route, name, options, sections);
    });
    out.push(
      '',
      'frontend http',
      `    bind :${options.httpPort}`,
      `    bind :${options.httpsPort} ssl ${certs.join(' ')} alpn h2,http/1.1`,
      '    option forwardfor',
      '    http-request set-header X-Forwarded-Proto https if { ssl_fc }',
      '    http-request set-header X-Forwarded-Proto http if !{ ssl_fc }',
      // Routes match the Host without its port, lower-cased, as Switchyard's do.
      '    http-request set-var(txn.host) req.hdr(host),host_only,lower',
      '    # In Switchyard\'s lookup order: exact hosts, wildcards, then *; longest path first.',
      ...sections.frontendRules,
      ...sections.backends,
    );
  }
  for (const route of safe.filter((r) => r.kind === 'tcp')) out.push(...tcpListenSection(route, names.get(route.id)!));
  out.push(...tlsSections(safe, names));
  out.push(...sections.extra);
  return `${out.join('\n')}\n`;
}
