import { describe, expect, it } from 'vitest';
import { routeForServerName, sniIndex } from '../../src/main/core/engine/l4/sni-routes';

// Which TLS passthrough route of a shared port takes a hello's server name.

describe('routeForServerName', () => {
  const index = sniIndex([
    { id: 1, serverName: 'db.localhost' },
    { id: 2, serverName: '*.db.localhost' },
    { id: 3, serverName: '*.replica.db.localhost' },
    { id: 4, serverName: '*' },
  ]);

  it('takes an exact name before a wildcard that also covers it', () => {
    expect(routeForServerName(index, 'db.localhost')).toBe(1);
    expect(routeForServerName(sniIndex([{ id: 1, serverName: 'a.db.localhost' }, { id: 2, serverName: '*.db.localhost' }]), 'a.db.localhost')).toBe(1);
  });

  it('takes names one label below a wildcard, and deeper names only by a wildcard of their own', () => {
    expect(routeForServerName(index, 'primary.db.localhost')).toBe(2);
    expect(routeForServerName(index, 'one.replica.db.localhost')).toBe(3);
    expect(routeForServerName(index, 'a.b.db.localhost')).toBe(4);
  });

  it('sends no name and names nothing matches to the route named *', () => {
    expect(routeForServerName(index, undefined)).toBe(4);
    expect(routeForServerName(index, 'web.localhost')).toBe(4);
    expect(routeForServerName(index, 'localhost')).toBe(4);
  });

  it('has no route for them without a * route', () => {
    const named = sniIndex([{ id: 1, serverName: 'db.localhost' }, { id: 2, serverName: '*.db.localhost' }]);
    expect(routeForServerName(named, undefined)).toBeUndefined();
    expect(routeForServerName(named, 'web.localhost')).toBeUndefined();
    expect(routeForServerName(named, 'x.y.db.localhost')).toBeUndefined();
    // The suffix itself is not under its wildcard.
    expect(routeForServerName(named, '.db.localhost')).toBeUndefined();
  });
});
