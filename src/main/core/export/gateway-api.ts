import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { byHost, isListenRoute, isOutOfService, isSafeRoute, leftOutNotes, oneLine, preamble, tcpListen, tlsRoute, unsafeBackendNote, usesWeights } from './common';
import { backendService, healthNote, isKubernetesHost, objectName, serviceName, yamlStream } from './k8s-common';

// Gateway API: HTTPRoute (gateway.networking.k8s.io/v1, standard channel) and
// TCPRoute (v1alpha2, experimental channel: it has no v1 yet). Experimental
// HTTPRoute fields (retry, sessionPersistence) are named in comments only:
// a cluster with the standard CRDs would drop or refuse them.

/** The Gateway the routes attach to: the user's, named here as a placeholder. */
const gatewayName = 'production-gateway';

interface BackendRef {
  name: string;
  port: number;
  weight: number;
}

function backendRefs(route: Route, notes: string[], services: Set<string>): BackendRef[] {
  const refs: BackendRef[] = [];
  route.backends.forEach((backend, index) => {
    const service = backendService(backend.url);
    if (!service) return notes.push(unsafeBackendNote(route, index));
    services.add(service.note);
    // Weight 0 sends nothing: a switched-off or draining backend.
    const weight = isOutOfService(backend) ? 0 : usesWeights(route) ? backend.weight : 1;
    refs.push({ name: service.name, port: service.port, weight });
  });
  return refs;
}

function httpNotes(route: Route): string[] {
  const s = route.settings;
  const out: string[] = [];
  if (route.algorithm !== 'round-robin' && route.algorithm !== 'weighted-round-robin') {
    out.push(`algorithm ${route.algorithm}: no equivalent in Gateway API (the implementation balances; weights are honoured)`);
  }
  if (s.sticky !== 'off') out.push(`sticky=${s.sticky}: experimental channel only: sessionPersistence: {sessionName: ${s.stickyCookie}, type: Cookie}`);
  out.push(`retries=${s.retries}: experimental channel only: retry: {attempts: ${s.retries}}`);
  out.push('timeouts: HTTPRoute timeouts.backendRequest covers a whole response, not connect, header and idle times apart; left to the implementation');
  if (s.rateLimitRps > 0) out.push('rate limit: no equivalent in Gateway API (implementation policies, e.g. Envoy Gateway BackendTrafficPolicy)');
  if (s.redirectHttps) out.push('redirectHttps: add a rule with a RequestRedirect filter (scheme https) attached to the Gateway\'s HTTP listener only (parentRefs sectionName)');
  if (s.rewriteHost) out.push("rewriteHost: a URLRewrite filter sets one hostname for the rule, not each backend's host:port");
  if (s.compression) out.push('compression: no equivalent in Gateway API');
  if (s.cache) out.push('cache: no equivalent in Gateway API');
  if (s.backendHeader) out.push('backendHeader: no equivalent in Gateway API');
  const health = healthNote(route);
  if (health) out.push(health);
  if (s.ejectAfter > 0) out.push('passive ejection: no equivalent in Gateway API');
  return out;
}

function httpRoutes(routes: Route[], services: Set<string>): { comments: string[]; body: unknown }[] {
  return byHost(routes).map(([host, group]) => {
    const comments: string[] = [];
    const rules = group.map((route) => {
      const notes = httpNotes(route);
      const rule: Record<string, unknown> = {
        matches: [{ path: { type: 'PathPrefix', value: route.path } }],
        backendRefs: backendRefs(route, notes, services),
      };
      if (route.settings.stripPrefix && route.path !== '/') {
        rule.filters = [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }];
      }
      comments.push(`${routeLabel(route)}:`, ...notes.map((note) => `  ${note}`));
      return rule;
    });
    if (!isKubernetesHost(host)) comments.push(`${host}: HTTPRoute hostnames are DNS names, so this route has none and matches every host its Gateway listener takes`);
    comments.push(`TLS: on the Gateway's HTTPS listener (certificateRefs to a Secret with your certificate for ${host}), not on the route`);
    const spec: Record<string, unknown> = { parentRefs: [{ name: gatewayName }], rules };
    if (isKubernetesHost(host)) spec.hostnames = [host];
    return { comments, body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: objectName(host) }, spec } };
  });
}

/** A TCPRoute, UDPRoute or TLSRoute (passthrough, by server name): the Gateway's listener for the port does the listening. None without a backend: the schema needs one. */
function listenRoute(route: Route, services: Set<string>, head: string[]): { comments: string[]; body: unknown }[] {
  const notes: string[] = [];
  const { port } = tcpListen(route);
  const protocol = route.kind === 'udp' ? 'UDP' : route.kind === 'tls' ? 'TLS' : 'TCP';
  const listener = `${route.kind}-${port}`;
  const refs = backendRefs(route, notes, services);
  if (refs.length === 0) {
    head.push(`# ${route.host} not exported: it has no backend that can be written`, ...notes.map((note) => `#   ${oneLine(note)}`));
    return [];
  }
  notes.push(`a Gateway listener named ${listener} (protocol ${protocol}${route.kind === 'tls' ? ', tls mode Passthrough' : ''}, port ${port}) takes this route`);
  const serverName = route.kind === 'tls' ? tlsRoute(route).serverName : undefined;
  if (serverName?.startsWith('*.')) notes.push(`${serverName}: a TLSRoute wildcard matches any depth below the name; Switchyard's takes one label`);
  if (route.settings.proxyProtocol !== 'off') notes.push(`proxyProtocol=${route.settings.proxyProtocol}: no equivalent in Gateway API`);
  if (route.algorithm !== 'round-robin' && route.algorithm !== 'weighted-round-robin') notes.push(`algorithm ${route.algorithm}: no equivalent in Gateway API`);
  const s = route.settings;
  notes.push(`maxConnections=${s.maxConnections}, timeouts and retries: no equivalent in ${protocol}Route`);
  const health = healthNote(route);
  if (health) notes.push(health);
  return [{
    comments: [`${route.host}:`, ...notes.map((note) => `  ${note}`)],
    body: {
      apiVersion: 'gateway.networking.k8s.io/v1alpha2',
      kind: `${protocol}Route`,
      metadata: { name: serviceName(route.host) },
      spec: {
        parentRefs: [{ name: gatewayName, sectionName: listener }],
        // A TLSRoute without hostnames takes every name, as the * route does.
        ...(serverName !== undefined && serverName !== '*' ? { hostnames: [serverName] } : {}),
        rules: [{ backendRefs: refs }],
      },
    },
  }];
}

/** An HTTPRoute per host and a TCPRoute per TCP route, attached to a Gateway the user names. */
export function toGatewayApi(routes: readonly Route[]): string {
  const head = preamble('Kubernetes Gateway API', routes, '#');
  const safe = routes.filter(isSafeRoute);
  head.push(...leftOutNotes(routes, '#'));
  head.push(`# Every route attaches to Gateway ${gatewayName}: put your Gateway's name (and namespace) in parentRefs.`);
  const services = new Set<string>();
  const docs = [...httpRoutes(safe.filter((r) => r.kind === 'http'), services), ...safe.filter(isListenRoute).flatMap((r) => listenRoute(r, services, head))];
  if (safe.some(isListenRoute)) head.push('# TCPRoute, UDPRoute and TLSRoute are in the experimental channel (gateway.networking.k8s.io/v1alpha2): install those CRDs for them.');
  head.push(...[...services].map((note) => `# ${note}`));
  return yamlStream(docs, head);
}
