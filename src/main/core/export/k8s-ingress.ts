import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { backendAddress, byHost, isListenRoute, isSafeRoute, leftOutNotes, preamble } from './common';
import { healthNote, isKubernetesHost, objectName, serviceName, yamlStream } from './k8s-common';

// networking.k8s.io/v1 Ingress. Only what every controller reads is written;
// the rest is controller-specific annotations, named in comments for
// ingress-nginx (the most used) and never written, since another controller
// would ignore them silently.

/** What an Ingress cannot say for this route, with ingress-nginx's annotation where it has one. */
function notes(route: Route): string[] {
  const s = route.settings;
  const out: string[] = [];
  const nginx = (annotation: string) => ` (ingress-nginx: nginx.ingress.kubernetes.io/${annotation})`;
  const addresses = route.backends.map((b) => backendAddress(b.url)?.hostPort ?? 'a backend whose host cannot be written');
  out.push(`Service ${serviceName(routeLabel(route))}: fill in one Service for ${addresses.join(', ') || 'this route'}; the Service balances across its pods`);
  if (route.backends.some((b) => b.weight !== 1)) out.push('weights: an Ingress has one Service per path, so no weights (Gateway API HTTPRoute has them)');
  if (route.backends.some((b) => !b.enabled || b.draining)) out.push('switched-off and draining backends: take their pods out of the Service');
  if (route.algorithm !== 'round-robin' && route.algorithm !== 'weighted-round-robin') {
    const annotation = route.algorithm === 'consistent-hash' ? nginx('upstream-hash-by') : route.algorithm === 'least-connections' ? nginx('load-balance: ewma, the nearest') : '';
    out.push(`algorithm ${route.algorithm}: not portable in an Ingress${annotation}`);
  }
  if (s.sticky !== 'off') out.push(`sticky=${s.sticky}: not portable${s.sticky === 'cookie' ? nginx(`affinity: cookie, session-cookie-name: ${s.stickyCookie}`) : nginx('upstream-hash-by: $remote_addr')}`);
  if (s.rateLimitRps > 0) out.push(`rate limit ${s.rateLimitRps}/s: not portable${nginx(`limit-rps: ${Math.ceil(s.rateLimitRps)}, limit-burst-multiplier`)}`);
  out.push(`timeouts: not portable${nginx(`proxy-connect-timeout: ${Math.ceil(s.connectTimeoutMs / 1000)}, proxy-read-timeout: ${Math.ceil(Math.max(s.idleTimeoutMs, s.responseHeaderTimeoutMs) / 1000)}`)}`);
  out.push(`retries=${s.retries}: not portable${nginx(`proxy-next-upstream-tries: ${s.retries + 1}`)}`);
  if (s.stripPrefix && route.path !== '/') out.push(`stripPrefix: not portable${nginx('rewrite-target with a regex path')}`);
  if (s.redirectHttps) out.push(`redirectHttps: not portable${nginx('ssl-redirect: "true", the default with TLS')}`);
  if (s.rewriteHost) out.push(`rewriteHost: not portable${nginx('upstream-vhost')}`);
  if (s.compression) out.push('compression: not portable (a controller-wide setting in most controllers)');
  if (s.cache) out.push('cache: no equivalent in an Ingress');
  if (s.backendHeader) out.push('backendHeader: no equivalent in an Ingress');
  const health = healthNote(route);
  if (health) out.push(health);
  if (s.ejectAfter > 0) out.push('passive ejection: no equivalent in an Ingress');
  return out;
}

function servicePort(route: Route, comments: string[]): number | undefined {
  const ports = [...new Set(route.backends.map((b) => backendAddress(b.url)?.port).filter((p): p is number => p !== undefined))];
  if (ports.length > 1) comments.push(`${routeLabel(route)}: backends listen on ports ${ports.join(', ')}; the Service gets port ${ports[0]!}, mapped to each pod's targetPort`);
  return ports[0];
}

/** One Ingress per host, with a rule per route; TLS from a Secret per host that the user creates. */
export function toIngress(routes: readonly Route[]): string {
  const head = preamble('Kubernetes Ingress (networking.k8s.io/v1)', routes, '#');
  const safe = routes.filter(isSafeRoute);
  head.push(...leftOutNotes(routes, '#'));
  for (const route of safe.filter(isListenRoute)) {
    head.push(`# ${route.host} not exported: an Ingress routes HTTP only (the gateway-api format writes a ${route.kind === 'udp' ? 'UDPRoute' : 'TCPRoute'})`);
  }
  const docs = byHost(safe.filter((r) => r.kind === 'http')).map(([host, group]) => {
    const comments: string[] = group.flatMap((route) => [`${routeLabel(route)}:`, ...notes(route).map((note) => `  ${note}`)]);
    if (host.startsWith('*.')) comments.push(`${host}: an Ingress wildcard matches one label; Switchyard's matches any depth`);
    if (!isKubernetesHost(host)) comments.push(`${host}: an Ingress rule takes a DNS name, so this rule has no host and matches every host`);
    const paths = group.map((route) => {
      const port = servicePort(route, comments);
      return {
        path: route.path,
        pathType: 'Prefix',
        backend: { service: { name: serviceName(routeLabel(route)), port: { number: port ?? 80 } } },
      };
    });
    const rule = isKubernetesHost(host) ? { host, http: { paths } } : { http: { paths } };
    const name = objectName(host);
    const spec: Record<string, unknown> = { rules: [rule] };
    if (isKubernetesHost(host)) {
      spec.tls = [{ hosts: [host], secretName: `${name}-tls` }];
      comments.push(`TLS: create Secret ${name}-tls with your certificate: kubectl create secret tls ${name}-tls --cert=FILE --key=FILE`);
    }
    comments.push('ingressClassName: left out, so the cluster\'s default IngressClass takes it; set it to pick a controller');
    return { comments, body: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name }, spec } };
  });
  return yamlStream(docs, head);
}
