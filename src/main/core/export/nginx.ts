import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import {
  backendAddress,
  byHost,
  certificateName,
  identifiers,
  isOutOfService,
  isListenRoute,
  isSafeRoute,
  leftOutNotes,
  oneLine,
  preamble,
  tcpListen,
  tlsGroups,
  tlsRoute,
  unsafeBackendNote,
  unsafeRouteNote,
  usesWeights,
  type ExportOptions,
} from './common';

// nginx OSS 1.22 (Debian 12's) and later. Directives are nginx's own; where
// Switchyard does something nginx OSS cannot, a `#` comment says so.

/** Requests per second nginx's limit_req takes whole; a fraction is written per minute. */
const secondsPerMinute = 60;
/** Shared memory for a limit_req or limit_conn zone: 10 MB holds about 160,000 client addresses (nginx docs). */
const zoneSize = '10m';
/** Idle keep-alive connections each worker keeps to an upstream, as Switchyard pools connections to backends. */
const upstreamKeepalive = 16;
/** Debian's CA bundle, to verify https:// backends as Switchyard does (verifyBackendTls). */
const systemCaBundle = '/etc/ssl/certs/ca-certificates.crt';
/** Debian's path of the dynamic stream module; where it is built in, remove the line. */
const streamModule = '/usr/lib/nginx/modules/ngx_stream_module.so';
const compressibleTypes = 'text/plain text/css text/xml text/javascript application/json application/javascript application/xml image/svg+xml';

const comment = (text: string, indent: string) => `${indent}# ${oneLine(text)}`;

/** An nginx string in double quotes; callers pass only text without control characters. */
const quoted = (text: string) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * The prefix as nginx's location compares it: against the decoded, normalised
 * URI, where Switchyard compares the raw path. Undefined when decoding gives
 * a control character, which nginx would never see in $uri.
 */
function locationPath(path: string): string | undefined {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A stray % that is not an escape: nginx reads it as written too.
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(decoded) ? undefined : decoded;
}

/** nginx has $cookie_NAME only for names in [a-z0-9_], and reads headers named with [a-z0-9-] (ignore_invalid_headers). */
const cookieVariable = (name: string) => (/^[a-z0-9_]+$/.test(name) ? `$cookie_${name}` : undefined);
const headerVariable = (name: string) => (/^[a-z0-9-]+$/.test(name) ? `$http_${name.replace(/-/g, '_')}` : undefined);

function rateOf(rps: number): { rate: string; note?: string } {
  if (Number.isInteger(rps)) return { rate: `${rps}r/s` };
  const perMinute = rps * secondsPerMinute;
  if (Number.isInteger(perMinute)) return { rate: `${perMinute}r/m` };
  const rounded = Math.max(1, Math.ceil(perMinute));
  return { rate: `${rounded}r/m`, note: `rateLimitRps=${rps}: nginx counts whole requests per second or minute, so this allows ${rounded} a minute` };
}

interface Upstream {
  lines: string[];
  scheme: 'http' | 'https' | undefined;
}

/** The balancing directive, and the notes where nginx OSS differs. */
function balancing(route: Route, notes: string[]): string | undefined {
  const { sticky, stickyCookie, hashKey } = route.settings;
  if (route.kind !== 'http') {
    if (route.algorithm === 'ip-hash' || route.algorithm === 'consistent-hash') return 'hash $remote_addr consistent;';
    if (route.algorithm === 'least-connections') return 'least_conn;';
    if (route.algorithm === 'random-two-choices') return 'random two least_conn;';
    return undefined;
  }
  if (sticky === 'cookie') {
    const variable = cookieVariable(stickyCookie);
    notes.push(
      variable
        ? `sticky=cookie: nginx OSS has no cookie stickiness (sticky cookie is NGINX Plus); hash on the cookie instead, which your app must set (Switchyard sets ${stickyCookie} itself); the route's ${route.algorithm} is replaced`
        : `sticky=cookie: nginx OSS has no cookie stickiness, and cannot name cookie ${stickyCookie} in a variable ([a-z0-9_] only): not sticky here`,
    );
    if (variable) return `hash ${variable} consistent;`;
  }
  if (sticky === 'ip') {
    notes.push(`sticky=ip: hash on the whole client address; the route's ${route.algorithm} is replaced`);
    return 'hash $remote_addr;';
  }
  switch (route.algorithm) {
    case 'round-robin':
    case 'weighted-round-robin':
      // nginx's default is Switchyard's weighted round-robin (the same smooth algorithm).
      return undefined;
    case 'least-connections':
      return 'least_conn;';
    case 'random-two-choices':
      return 'random two least_conn;';
    case 'ip-hash':
      // ip_hash keys on the first three octets of an IPv4 address; Switchyard uses all of it.
      notes.push('ip-hash: hash $remote_addr (nginx ip_hash would use only the first three octets of an IPv4 address)');
      return 'hash $remote_addr;';
    case 'consistent-hash': {
      const variable = hashKey.source === 'path' ? '$uri' : hashKey.source === 'cookie' ? cookieVariable(hashKey.name!) : headerVariable(hashKey.name!);
      if (variable) {
        notes.push('consistent-hash: nginx sends requests without the key to one backend; Switchyard balances them round-robin');
        return `hash ${variable} consistent;`;
      }
      notes.push(`consistent-hash: nginx cannot name ${hashKey.source} ${hashKey.name} in a variable; balanced round-robin here`);
      return undefined;
    }
  }
}

function upstream(route: Route, name: string, notes: string[]): Upstream {
  const s = route.settings;
  const servers: string[] = [];
  let scheme: Upstream['scheme'];
  route.backends.forEach((backend, index) => {
    const address = backendAddress(backend.url);
    if (!address) return notes.push(unsafeBackendNote(route, index));
    const wanted = address.scheme === 'http' || address.scheme === 'https' ? address.scheme : undefined;
    scheme ??= wanted;
    if (wanted !== scheme) return notes.push(`${backend.url} left out: one nginx upstream is either http or https, and this route's first backend is ${scheme}`);
    const parts = [`server ${address.hostPort}`];
    if (usesWeights(route) && backend.weight !== 1) parts.push(`weight=${backend.weight}`);
    // max_fails counts failures within fail_timeout, then rests the server for fail_timeout: the nearest to Switchyard's ejection.
    parts.push(`max_fails=${s.ejectAfter}`, `fail_timeout=${Math.max(1, Math.ceil(s.ejectBaseMs / 1000))}s`);
    if (isOutOfService(backend)) parts.push('down');
    servers.push(`    ${parts.join(' ')};${isOutOfService(backend) ? ` # ${backend.draining ? 'draining' : 'switched off'} in Switchyard` : ''}`);
  });
  if (servers.length === 0) return { lines: [], scheme: undefined };
  const method = balancing(route, notes);
  return {
    scheme,
    lines: [
      `upstream ${name} {`,
      ...(method ? [`    ${method}`] : []),
      ...servers,
      ...(route.kind === 'http' ? [`    keepalive ${upstreamKeepalive};`] : []),
      '}',
    ],
  };
}

/** Notes shared by HTTP and TCP routes: health and ejection, which nginx OSS does only passively. */
function healthNotes(route: Route, notes: string[]): void {
  const s = route.settings;
  if (s.healthCheck === 'tcp' || s.healthCheck === 'http') {
    notes.push(`healthCheck=${s.healthCheck}: no equivalent in nginx OSS (active health_check is NGINX Plus); only passive max_fails/fail_timeout is written`);
  }
  if (s.ejectAfter > 0) {
    notes.push(`ejection: nginx counts ${s.ejectAfter} failures within fail_timeout, not consecutive ones, and has no growing ejection time (ejectMaxMs) or maxEjectedPercent`);
  }
  if (s.panicThresholdPercent > 0) notes.push('panicThresholdPercent: no equivalent in nginx (when every server failed, nginx tries them all again, which is close)');
}

function httpRouteBody(route: Route, name: string | undefined, scheme: Upstream['scheme'], zone: string | undefined, options: ExportOptions, notes: string[]): string[] {
  const s = route.settings;
  const lines: string[] = [];
  if (s.redirectHttps) {
    // `if` with only `return` is one of the safe uses nginx documents.
    const port = options.httpsPort === 443 ? '' : `:${options.httpsPort}`;
    lines.push(`if ($scheme = http) { return 308 https://$host${port}$request_uri; }`);
  }
  if (zone) lines.push(`limit_req zone=${zone} burst=${s.rateLimitBurst} nodelay;`, 'limit_req_status 429;');
  if (!name) {
    notes.push('no backend could be written: nginx answers 503');
    lines.push('return 503;');
    return lines;
  }
  lines.push(
    // A URI part on proxy_pass replaces the matched prefix: nginx's stripPrefix.
    `proxy_pass ${scheme ?? 'http'}://${name}${s.stripPrefix && route.path !== '/' ? '/' : ''};`,
    'proxy_http_version 1.1;',
    // Switchyard keeps the client's Host, port and all, unless rewriteHost.
    'proxy_set_header Host $http_host;',
    'proxy_set_header Upgrade $http_upgrade;',
    'proxy_set_header Connection $connection_upgrade;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_set_header X-Forwarded-Host $host;',
    'proxy_set_header X-Forwarded-Port $server_port;',
    `proxy_connect_timeout ${s.connectTimeoutMs}ms;`,
    // nginx has one read timeout for the wait for headers and for silence mid-response.
    `proxy_read_timeout ${Math.max(s.idleTimeoutMs, s.responseHeaderTimeoutMs)}ms;`,
    `proxy_send_timeout ${s.idleTimeoutMs}ms;`,
    // Switchyard retries errors and timeouts before a response byte, idempotent requests only once sent: nginx's default for non_idempotent.
    'proxy_next_upstream error timeout;',
    `proxy_next_upstream_tries ${s.retries + 1};`,
  );
  if (s.responseHeaderTimeoutMs !== s.idleTimeoutMs) {
    notes.push(`responseHeaderTimeoutMs and idleTimeoutMs: nginx has one proxy_read_timeout for both, set to the longer (${Math.max(s.idleTimeoutMs, s.responseHeaderTimeoutMs)} ms)`);
  }
  if (scheme === 'https') {
    lines.push('proxy_ssl_server_name on;');
    if (s.verifyBackendTls) lines.push('proxy_ssl_verify on;', `proxy_ssl_trusted_certificate ${systemCaBundle};`);
  }
  if (s.rewriteHost) notes.push("rewriteHost: nginx sends one Host for the whole upstream, not each backend's host:port; set proxy_set_header Host to the name your backends expect");
  if (s.backendHeader) lines.push('add_header X-Switchyard-Backend $upstream_addr always;');
  if (s.compression) {
    lines.push('gzip on;', 'gzip_proxied any;', 'gzip_min_length 1024;', `gzip_types ${compressibleTypes};`);
    notes.push('compression: gzip only (br needs the ngx_brotli module)');
  }
  if (s.cache) {
    notes.push('cache: nginx caches with proxy_cache and a proxy_cache_path folder you choose, for example:');
    notes.push('  proxy_cache_path /var/cache/nginx/switchyard keys_zone=switchyard:10m max_size=64m; (http level)');
    notes.push(`  proxy_cache switchyard; proxy_cache_lock on;${s.serveStaleWhenDown ? ' proxy_cache_use_stale error timeout http_502 http_503;' : ''}`);
  }
  return lines;
}

function tlsLines(host: string, options: ExportOptions, indent: string): string[] {
  const file = `${options.tlsDirectory}/${certificateName(host)}`;
  return [`${indent}ssl_certificate ${quoted(`${file}.crt`)};`, `${indent}ssl_certificate_key ${quoted(`${file}.key`)};`];
}

function httpServers(routes: Route[], names: Map<number, string>, options: ExportOptions, out: string[], upstreams: string[], zones: string[]): void {
  for (const [host, group] of byHost(routes)) {
    const isDefault = host === '*';
    const server: string[] = [
      '',
      `# ${group.map(routeLabel).join(', ')}`,
      'server {',
      `    listen ${options.httpPort}${isDefault ? ' default_server' : ''};`,
      `    listen ${options.httpsPort} ssl http2${isDefault ? ' default_server' : ''}; # nginx 1.25.1 and later: listen ... ssl; http2 on;`,
      `    server_name ${isDefault ? '_' : host};`,
      ...tlsLines(host, options, '    '),
    ];
    if (host.startsWith('*.')) server.splice(2, 0, '# nginx matches *.name at any depth, as Switchyard does');
    if (isDefault) server.splice(2, 0, '# * (every other host): the default server');
    // Switchyard falls through to the next matching host group when none of a host's prefixes match; nginx stays in the server.
    const fallback = routes.some((r) => r.host === '*' || (r.host.startsWith('*.') && r.host !== host));
    if (fallback && !group.some((r) => r.path === '/')) {
      server.splice(2, 0, '# paths no route of this host has: Switchyard tries the matching *.name and * routes next; nginx answers 404 here');
    }
    for (const route of group) {
      const notes: string[] = [];
      const name = names.get(route.id)!;
      const path = locationPath(route.path);
      if (path === undefined) {
        server.push(comment(unsafeRouteNote(route), '    '));
        continue;
      }
      const { lines: upstreamLines, scheme } = upstream(route, name, notes);
      upstreams.push('', ...upstreamLines.map((line) => `    ${line}`));
      let zone: string | undefined;
      if (route.settings.rateLimitRps > 0) {
        const { rate, note } = rateOf(route.settings.rateLimitRps);
        if (note) notes.push(note);
        zone = name;
        // A key that is the same for every client makes the limit global.
        const key = route.settings.rateLimitPer === 'ip' ? '$binary_remote_addr' : '$nginx_version';
        zones.push(`    limit_req_zone ${key} zone=${zone}:${zoneSize} rate=${rate};`);
        notes.push('rate limit: nginx answers 429 without Retry-After');
      }
      healthNotes(route, notes);
      if (route.path !== path) notes.push(`path ${route.path}: nginx compares the decoded URI, so the location is ${path}`);
      const body = httpRouteBody(route, upstreamLines.length ? name : undefined, scheme, zone, options, notes);
      server.push('', ...notes.map((note) => comment(note, '    ')));
      // Switchyard's prefixes match whole segments: /api and /api/..., not /apix.
      const locations = path === '/' ? ['location /'] : [`location = ${quoted(path)}`, `location ^~ ${quoted(`${path}/`)}`];
      for (const location of locations) server.push(`    ${location} {`, ...body.map((line) => `        ${line}`), '    }');
    }
    server.push('}');
    out.push(...server.map((line) => (line ? `    ${line}` : line)));
  }
}

/** nginx stream writes the PROXY protocol's v1 text header only. */
function proxyProtocol(route: Route, notes: string[]): string[] {
  const version = route.settings.proxyProtocol;
  if (version === 'v2') notes.push('proxyProtocol=v2: nginx sends only v1 (proxy_protocol on); set the backend to accept v1');
  return version === 'off' ? [] : ['        proxy_protocol on;'];
}

/**
 * TLS passthrough: one server per shared address reads the ClientHello
 * (ssl_preread) and a map picks the route's upstream by server name, as
 * Switchyard's TLS listener does; a name no route takes gets no upstream, so
 * nginx closes the connection.
 */
function tlsServers(routes: Route[], names: Map<number, string>, out: string[]): void {
  for (const [listen, group] of tlsGroups(routes)) {
    const variable = `$tls_${listen.replace(/^tls:\/\//, '').replace(/[^A-Za-z0-9]+/g, '_')}`;
    const notes: string[] = [];
    const entries: string[] = [];
    for (const route of group) {
      const name = names.get(route.id)!;
      const { lines } = upstream(route, name, notes);
      healthNotes(route, notes);
      out.push('', ...lines.map((line) => `    ${line}`));
      if (lines.length === 0) continue;
      const { serverName } = tlsRoute(route);
      entries.push(serverName === '*' ? `        default ${name};` : `        ${serverName} ${name};`);
      if (serverName.startsWith('*.')) notes.push(`${serverName}: nginx's map matches any depth below the name; Switchyard's takes one label`);
    }
    // One server for the address: the first route's timeouts and retries stand for all of them.
    const first = group[0]!.settings;
    const proxy = proxyProtocol(group[0]!, notes);
    if (group.some((route) => JSON.stringify(route.settings) !== JSON.stringify(first))) notes.push(`routes on ${listen} differ in settings: nginx has one server per address, written with the first route's`);
    out.push(
      '',
      `    # ${group.map((route) => route.host).join(', ')}`,
      ...notes.map((note) => comment(note, '    ')),
      `    map $ssl_preread_server_name ${variable} {`,
      '        hostnames;',
      ...entries,
      '    }',
      '    server {',
      `        listen ${tcpListen(group[0]!).hostPort};`,
      '        ssl_preread on;',
      `        proxy_pass ${variable};`,
      `        proxy_connect_timeout ${first.connectTimeoutMs}ms;`,
      `        proxy_timeout ${first.idleTimeoutMs}ms;`,
      '        proxy_next_upstream on;',
      `        proxy_next_upstream_tries ${first.retries + 1};`,
      ...proxy,
      '    }',
    );
  }
}

function streamServers(routes: Route[], names: Map<number, string>, out: string[]): void {
  tlsServers(routes, names, out);
  for (const route of routes.filter((r) => r.kind !== 'tls')) {
    const name = names.get(route.id)!;
    const notes: string[] = [];
    const { lines } = upstream(route, name, notes);
    healthNotes(route, notes);
    const s = route.settings;
    const { hostPort } = tcpListen(route);
    const udp = route.kind === 'udp';
    if (udp && s.healthCheck === 'udp') notes.push('healthCheck=udp: no equivalent in nginx OSS (match blocks are NGINX Plus)');
    out.push('', ...lines.map((line) => `    ${line}`), '', `    # ${route.host}`, ...notes.map((note) => comment(note, '    ')));
    if (lines.length === 0) {
      out.push(comment('no backend could be written: nothing listens for this route', '    '));
      continue;
    }
    // A UDP socket connects locally and nothing is retried (Switchyard's UDP routes have neither setting).
    const connection = udp
      ? s.udpResponses > 0 ? [`        proxy_responses ${s.udpResponses};`] : []
      : [`        proxy_connect_timeout ${s.connectTimeoutMs}ms;`, '        proxy_next_upstream on;', `        proxy_next_upstream_tries ${s.retries + 1};`, ...proxyProtocol(route, notes)];
    out.push(
      `    limit_conn_zone $server_port zone=${name}:${zoneSize};`,
      '    server {',
      `        listen ${hostPort}${udp ? ' udp' : ''};`,
      `        proxy_pass ${name};`,
      `        proxy_timeout ${s.idleTimeoutMs}ms;`,
      ...connection,
      `        limit_conn ${name} ${s.maxConnections};`,
      '    }',
    );
  }
}

/** nginx.conf for the routes: `http {}` for HTTP routes, `stream {}` for TCP routes. */
export function toNginx(routes: readonly Route[], options: ExportOptions): string {
  const names = identifiers(routes);
  const safe = routes.filter(isSafeRoute);
  const left = leftOutNotes(routes, '#');
  const http = safe.filter((route) => route.kind === 'http');
  const tcp = safe.filter(isListenRoute);
  const out = [...preamble('nginx', routes, '#'), ...left];
  if (tcp.length) out.push(`load_module ${streamModule}; # Debian's dynamic stream module; where stream is built in, remove this line`);
  out.push('', 'events {}');
  if (http.length) {
    const upstreams: string[] = [];
    const zones: string[] = [];
    const servers: string[] = [];
    httpServers(http, names, options, servers, upstreams, zones);
    out.push(
      '',
      'http {',
      '    # WebSocket and other upgrades pass through; otherwise upstream connections stay open for reuse.',
      '    map $http_upgrade $connection_upgrade {',
      '        default upgrade;',
      "        '' '';",
      '    }',
      ...zones,
      ...upstreams,
      ...servers,
      '}',
    );
  }
  if (tcp.length) {
    const servers: string[] = [];
    streamServers(tcp, names, servers);
    out.push('', 'stream {', ...servers, '}');
  }
  return `${out.join('\n')}\n`;
}

