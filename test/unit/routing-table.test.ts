import { describe, expect, it } from 'vitest';
import { buildRoutingTable } from '../../src/main/core/engine/routing/routing-table';
import { defaultRouteSettings, type Route } from '../../src/shared/model';

let nextId = 1;
function route(host: string, path = '/', backends: { url: string; enabled?: boolean }[] = []): Route {
  const id = nextId++;
  return {
    id,
    kind: 'http',
    host,
    path,
    algorithm: 'round-robin',
    settings: defaultRouteSettings,
    backends: backends.map((b, i) => ({ id: id * 100 + i, routeId: id, url: b.url, weight: 1, enabled: b.enabled ?? true, draining: false, health: {} })),
  };
}

describe('routing table', () => {
  const exactRoot = route('api.myapp.localhost');
  const exactV1 = route('api.myapp.localhost', '/v1');
  const exactV1Users = route('api.myapp.localhost', '/v1/users');
  const wildcard = route('*.myapp.localhost');
  const deepWildcard = route('*.eu.myapp.localhost');
  const wildcardDocs = route('*.other.localhost', '/docs');
  const table = buildRoutingTable([wildcard, exactV1Users, exactRoot, exactV1, deepWildcard, wildcardDocs], 1);

  it('prefers the exact host', () => {
    expect(table.match('api.myapp.localhost', '/')?.id).toBe(exactRoot.id);
  });

  it('picks the longest path prefix, matching whole segments only', () => {
    expect(table.match('api.myapp.localhost', '/v1')?.id).toBe(exactV1.id);
    expect(table.match('api.myapp.localhost', '/v1/users/7')?.id).toBe(exactV1Users.id);
    expect(table.match('api.myapp.localhost', '/v1/usersx')?.id).toBe(exactV1.id);
    expect(table.match('api.myapp.localhost', '/v10')?.id).toBe(exactRoot.id);
  });

  it('matches wildcards at any depth, most specific suffix first, but not the bare domain', () => {
    expect(table.match('web.myapp.localhost', '/')?.id).toBe(wildcard.id);
    expect(table.match('a.b.myapp.localhost', '/')?.id).toBe(wildcard.id);
    expect(table.match('x.eu.myapp.localhost', '/')?.id).toBe(deepWildcard.id);
    expect(table.match('myapp.localhost', '/')).toBeUndefined();
  });

  it('falls through to the next host group when no prefix of the exact host covers the path', () => {
    const only = route('app.zone.localhost', '/api');
    const wild = route('*.zone.localhost');
    const t = buildRoutingTable([only, wild], 2);
    expect(t.match('app.zone.localhost', '/api/x')?.id).toBe(only.id);
    expect(t.match('app.zone.localhost', '/')?.id).toBe(wild.id);
  });

  it('sends hosts nothing else matches to the default route `*`', () => {
    const specific = route('app.default.localhost');
    const fallback = route('*');
    const t = buildRoutingTable([fallback, specific], 4);
    expect(t.match('app.default.localhost', '/')?.id).toBe(specific.id);
    expect(t.match('anything.example', '/x')?.id).toBe(fallback.id);
    expect(t.match('', '/')?.id).toBe(fallback.id);
  });

  it('returns nothing for unknown hosts or uncovered paths, and lists configured hosts', () => {
    expect(table.match('nope.localhost', '/')).toBeUndefined();
    expect(table.match('x.other.localhost', '/')).toBeUndefined();
    expect(table.hosts).toEqual(['*.eu.myapp.localhost', '*.myapp.localhost', '*.other.localhost', 'api.myapp.localhost']);
  });

  it('offers only enabled backends as candidates, parsed once', () => {
    const r = route('demo.localhost', '/', [
      { url: 'http://127.0.0.1:3000' },
      { url: 'http://127.0.0.1:3001', enabled: false },
      { url: 'https://[::1]:8443' },
    ]);
    const compiled = buildRoutingTable([r], 3).match('demo.localhost', '/')!;
    expect(compiled.backendCount).toBe(3);
    expect(compiled.candidates.map((c) => [c.protocol, c.hostname, c.port])).toEqual([
      ['http:', '127.0.0.1', 3000],
      ['https:', '::1', 8443],
    ]);
  });

  it('keeps a consistent-hash ring across rebuilds that leave the candidates unchanged, and rebuilds it when they change', () => {
    const r = {
      ...route('ring.localhost', '/', [{ url: 'http://127.0.0.1:3000' }, { url: 'http://127.0.0.1:3001' }, { url: 'http://127.0.0.1:3002' }]),
      algorithm: 'consistent-hash' as const,
    };
    const previous = buildRoutingTable([r], 1);
    expect(previous.route(r.id)!.ring).toBeDefined();
    // Another route added (a config change) or a health change to a backend of another route.
    const other = route('other.localhost', '/', [{ url: 'http://127.0.0.1:4000' }]);
    const rebuilt = buildRoutingTable([r, other], 2, () => true, previous).route(r.id)!;
    expect(rebuilt.ring).toBe(previous.route(r.id)!.ring);
    expect(rebuilt.candidates).toBe(previous.route(r.id)!.candidates);

    const oneDown = buildRoutingTable([r], 3, (id) => id !== r.backends[1]!.id, previous).route(r.id)!;
    expect(oneDown.ring).not.toBe(rebuilt.ring);
    expect(oneDown.candidates.map((c) => c.port)).toEqual([3000, 3002]);
    expect(new Set(Array.from({ length: 50 }, (_, i) => oneDown.ring!.pick(`k${i}`)!.port))).toEqual(new Set([3000, 3002]));

    const reweighted = { ...r, backends: r.backends.map((b, i) => (i === 0 ? { ...b, weight: 5 } : b)) };
    const heavier = buildRoutingTable([reweighted], 4, () => true, previous).route(r.id)!;
    expect(heavier.ring).not.toBe(rebuilt.ring);
    expect(heavier.candidates[0]!.weight).toBe(5);
    // Switching to another algorithm drops the ring.
    expect(buildRoutingTable([{ ...r, algorithm: 'round-robin' }], 5, () => true, previous).route(r.id)!.ring).toBeUndefined();
  });
});
