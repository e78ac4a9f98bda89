import { describe, expect, it } from 'vitest';
import { routeAddressSchema } from '../../src/shared/model';
import { backendKindIssue, listenAddressOf, pathIssue, routeKindOf, settingsIssues, tlsRouteParts } from '../../src/shared/route-kind';

// TLS passthrough routes are named by their listen URL and server name:
// what users may type, the one stored form, and what such a route may hold.

const parse = (raw: string) => {
  const parsed = routeAddressSchema.safeParse(raw);
  return parsed.success ? parsed.data : parsed.error.issues.map((issue) => issue.message).join(' ');
};

describe('TLS route addresses', () => {
  it('stores one form: lower case, localhost as 127.0.0.1, IPv6 bracketed, no trailing dot', () => {
    expect(parse('TLS://LOCALHOST:18443/DB.Localhost.')).toBe('tls://127.0.0.1:18443/db.localhost');
    expect(parse('tls://[0:0::1]:18443/*.db.localhost')).toBe('tls://[::1]:18443/*.db.localhost');
    expect(parse(' tls://127.0.0.1:18443/* ')).toBe('tls://127.0.0.1:18443/*');
    expect(routeKindOf('tls://127.0.0.1:18443/db.localhost')).toBe('tls');
  });

  it('says what is wrong with an address, a port or a name', () => {
    expect(parse('tls://127.0.0.1:18443')).toMatch(/names the server a client asks for after the port/);
    expect(parse('tls://127.0.0.1:18443/')).toMatch(/names the server/);
    expect(parse('tls://127.0.0.1/db.localhost')).toMatch(/Add the port the TLS passthrough route listens on/);
    expect(parse('tls://db.localhost:18443/db.localhost')).toMatch(/listens on an IP address/);
    expect(parse('tls://127.0.0.1:18443/10.0.0.1')).toMatch(/never sends an IP address/);
    expect(parse('tls://127.0.0.1:18443/db_x.localhost')).toMatch(/is not a server name/);
    expect(parse('tls://127.0.0.1:18443/a.*.localhost')).toMatch(/is not a server name/);
    expect(parse('tls://127.0.0.1:18443/db.localhost/x')).toMatch(/is not a server name/);
  });

  it('splits a stored URL into the shared listen URL and the name, and binds the listen part', () => {
    expect(tlsRouteParts('tls://[::1]:18443/*.db.localhost')).toEqual({ listenUrl: 'tls://[::1]:18443', serverName: '*.db.localhost' });
    expect(listenAddressOf('tls://[::1]:18443/*.db.localhost')).toEqual({ address: '::1', port: 18443 });
    expect(listenAddressOf('tls://127.0.0.1:18443')).toEqual({ address: '127.0.0.1', port: 18443 });
  });
});

describe('what a TLS route may hold', () => {
  it('takes tcp:// backends only', () => {
    expect(backendKindIssue('tls', 'tcp://127.0.0.1:5432')).toBeUndefined();
    expect(backendKindIssue('tls', 'https://127.0.0.1:8443')).toMatch(/tcp:\/\/ URLs of servers that speak TLS themselves/);
    expect(backendKindIssue('tcp', 'udp://127.0.0.1:5353')).toMatch(/A TCP route's backends are tcp:\/\//);
  });

  it('takes the TCP settings and proxyProtocol, and refuses HTTP ones and a path', () => {
    expect(settingsIssues('tls', { proxyProtocol: 'v2', maxConnections: 5, healthCheck: 'tcp' }, '')).toEqual([]);
    expect(settingsIssues('tls', { cache: true }, '').map((issue) => issue.message)).toEqual([
      'cache applies to HTTP routes only: a TLS passthrough route relays bytes without reading them. Leave it out.',
    ]);
    expect(pathIssue('tls', '/api')).toMatch(/TLS passthrough route has no path prefix/);
  });

  it('refuses proxyProtocol on HTTP and UDP routes unless it is off', () => {
    expect(settingsIssues('tcp', { proxyProtocol: 'v1' }, '')).toEqual([]);
    expect(settingsIssues('http', { proxyProtocol: 'v1' }, 'settings.')).toEqual([
      { field: 'settings.proxyProtocol', message: expect.stringMatching(/TCP and TLS passthrough routes only/) },
    ]);
    expect(settingsIssues('udp', { proxyProtocol: 'v2' }, '')).toHaveLength(1);
    expect(settingsIssues('http', { proxyProtocol: 'off' }, '')).toEqual([]);
    expect(settingsIssues('udp', { proxyProtocol: 'off' }, '')).toEqual([]);
  });
});
