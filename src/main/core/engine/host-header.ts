const ipv4Loopback = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Names that never leave this machine: localhost and *.localhost (RFC 6761 §6.3), 127.0.0.0/8 and [::1]. */
export function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || ipv4Loopback.test(host);
}

/**
 * The host part of a Host header (or absolute-form request target), lower
 * case, without port or trailing dot: routing ignores the port, as nginx's
 * server_name does.
 */
export function hostFromHeader(header: string | undefined): string {
  if (!header) return '';
  let host = header.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** The path of a request target, without query; absolute-form targets are reduced to their path. */
export function pathFromTarget(target: string): string {
  let path = target;
  if (!path.startsWith('/')) {
    const scheme = path.indexOf('://');
    if (scheme !== -1) {
      const slash = path.indexOf('/', scheme + 3);
      path = slash === -1 ? '/' : path.slice(slash);
    }
  }
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}
