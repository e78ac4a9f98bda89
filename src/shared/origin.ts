// A URL's origin as browsers write it: the scheme's own port (80 for http,
// 443 for https) is left out, so a route on the standard ports reads
// http://demo.localhost/ and not http://demo.localhost:80/ (RFC 3986 §6.2.3).

const defaultPorts = { http: 80, https: 443 } as const;

export function originOf(scheme: keyof typeof defaultPorts, host: string, port: number): string {
  return port === defaultPorts[scheme] ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}
