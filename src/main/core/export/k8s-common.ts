import { Document } from 'yaml';
import type { Route } from '../../../shared/model';
import { backendAddress, certificateName, oneLine } from './common';

// What the two Kubernetes formats share: object names and YAML with comments.

/** DNS-1035 labels (Service names) are at most 63 characters; DNS-1123 subdomains (other names) 253. */
const maxLabel = 63;
const maxSubdomain = 253;

/** A Service name: lower-case letters, digits and hyphens, starting with a letter, at most 63 long. */
export function serviceName(text: string): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const lettered = /^[a-z]/.test(slug) ? slug : `svc-${slug}`;
  return lettered.slice(0, maxLabel).replace(/-+$/, '');
}

/** An object name for a host's Ingress or HTTPRoute: the host itself where it is one. */
export const objectName = (host: string): string => certificateName(host).slice(0, maxSubdomain).replace(/[.-]+$/, '') || 'default';

/** The Service that stands for one backend (Gateway API weighs each), and the sentence that says what to fill in. */
export function backendService(url: string): { name: string; port: number; note: string } | undefined {
  const address = backendAddress(url);
  if (!address) return undefined;
  const name = serviceName(address.host.replace(/[[\]]/g, '') === '127.0.0.1' || address.host === 'localhost' || address.host === '[::1]' ? `backend-${address.port}` : `${address.host}-${address.port}`);
  const note = address.loopback
    ? `Service ${name}: fill in a Service for what listens on ${address.hostPort} on this machine`
    : `Service ${name}: a Service for ${address.hostPort} (an ExternalName Service, or one selecting its pods)`;
  return { name, port: address.port, note };
}

/** Kubernetes accepts host names in rules, not IP addresses or `*` (they become rules without a host). */
export const isKubernetesHost = (host: string): boolean => host !== '*' && !/^[\d.]+$|^\[/.test(host);

/** Several YAML documents, each with its comment lines before it. */
export function yamlStream(docs: { comments: string[]; body: unknown }[], preamble: string[]): string {
  const text = docs.map(({ comments, body }) => {
    const doc = new Document(body);
    if (comments.length) doc.commentBefore = comments.map((line) => ` ${oneLine(line)}`).join('\n');
    return doc.toString({ lineWidth: 0 });
  });
  return `${preamble.join('\n')}\n${text.map((doc) => `---\n${doc}`).join('')}`;
}

/** Routes' notes that both Kubernetes formats share: what Kubernetes leaves to the pods or the controller. */
export function healthNote(route: Route): string | undefined {
  const s = route.settings;
  if (s.healthCheck === 'off') return undefined;
  return `healthCheck=${s.healthCheck}: Kubernetes checks pods with readiness probes (${s.healthCheck === 'http' ? `httpGet path ${s.healthPath}` : s.healthCheck === 'udp' ? 'an exec probe that sends the datagram' : 'tcpSocket'}, periodSeconds ${Math.ceil(s.healthIntervalMs / 1000)}, failureThreshold ${s.healthFall}); put one on the pods behind the Service`;
}
