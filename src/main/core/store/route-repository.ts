import type Database from 'better-sqlite3';
import type { ParsedCommandInput } from '../../../shared/commands';
import { SwitchyardError } from '../../../shared/errors';
import { backendHealthSchema, maxBackendsPerRoute, routeSettingsSchema, type Algorithm, type BackendHealth, type Backend, type Route, type RouteSettings, type RouteSettingsPatch } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { backendKindIssue, kindSettingDefaults, listenAddressOf, pathIssue, routeKindOf, settingsIssues, type RouteKind } from '../../../shared/route-kind';

interface RouteRow {
  id: number;
  kind: RouteKind;
  host: string;
  path: string;
  algorithm: Algorithm;
  settings: string;
}

/** Freezes `value` and everything it holds, so a value shared by many readers cannot be edited by one. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parsed stored texts by the text itself. Every config change reads every
 * route back (Core.publishConfig), and zod's parse of one route's settings
 * costs tens of microseconds: 2,000 routes took 80-100 ms a read, with the
 * event loop, and so the proxy, stopped meanwhile. Routes mostly share a few
 * distinct texts, so the cache stays small; it is emptied when it outgrows
 * its bound. The parsed values are shared by the routes with the same text,
 * so they are frozen: a change writes new text and parses that, and code that
 * tried to edit one route's settings in place would throw rather than edit
 * every route that shares them.
 */
class ParseCache<T> {
  private readonly parsed = new Map<string, T>();

  constructor(
    private readonly parse: (text: string) => T,
    private readonly maxEntries: number,
  ) {}

  get(text: string): T {
    let value = this.parsed.get(text);
    if (value === undefined) {
      if (this.parsed.size >= this.maxEntries) this.parsed.clear();
      value = deepFreeze(this.parse(text));
      this.parsed.set(text, value);
    }
    return value;
  }
}

/** Distinct stored texts kept parsed: well above the routes (and backend overrides) a person sets up by hand. */
const parsedTextsKept = 4_096;

/** Unreadable stored settings (a hand-edited file) fall back to defaults key by key. */
function parseSettingsText(json: string): RouteSettings {
  let stored: Record<string, unknown> = {};
  try {
    stored = JSON.parse(json) as Record<string, unknown>;
  } catch {
    // keep defaults
  }
  const whole = routeSettingsSchema.safeParse(stored);
  if (whole.success) return whole.data;
  const valid = Object.fromEntries(
    Object.entries(stored).filter(([key, value]) => routeSettingsSchema.safeParse({ [key]: value }).success),
  );
  return routeSettingsSchema.parse(valid);
}

const settingsCache = new ParseCache(parseSettingsText, parsedTextsKept);
const parseSettings = (json: string): RouteSettings => settingsCache.get(json);

function mergeSettings(current: RouteSettings, patch: RouteSettingsPatch | undefined): string {
  return JSON.stringify(routeSettingsSchema.parse({ ...current, ...patch }));
}

function toRoute(row: RouteRow, backends: Backend[]): Route {
  return { id: row.id, kind: row.kind, host: row.host, path: row.path, algorithm: row.algorithm, settings: parseSettings(row.settings), backends };
}

interface BackendRow {
  id: number;
  route_id: number;
  url: string;
  weight: number;
  enabled: 0 | 1;
  draining: 0 | 1;
  health: string;
}

/** `null` in an update removes that override. */
function withoutNulls(health: BackendHealth): BackendHealth {
  return Object.fromEntries(Object.entries(health).filter(([, value]) => value !== null && value !== undefined));
}

/** Stored overrides that no longer validate (a hand-edited file) are dropped, not fatal. */
function parseHealthText(json: string): BackendHealth {
  try {
    const parsed = backendHealthSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

const healthCache = new ParseCache(parseHealthText, parsedTextsKept);
const parseHealth = (json: string): BackendHealth => healthCache.get(json);

function toBackend(row: BackendRow): Backend {
  return {
    id: row.id,
    routeId: row.route_id,
    url: row.url,
    weight: row.weight,
    enabled: row.enabled === 1,
    draining: row.draining === 1,
    health: parseHealth(row.health),
  };
}

/**
 * What the command schema checks for a new route, for an update: it does not
 * know the route's kind, the store does. A route keeps its kind (a listener
 * and a host are different things); a TCP or UDP route gets no path, nor a setting of another kind.
 */
function refuseKindMismatch(kind: RouteKind, host: string, path: string, settings: RouteSettingsPatch | undefined): void {
  const newKind = routeKindOf(host);
  if (newKind !== kind) {
    throw new SwitchyardError('VALIDATION_FAILED', kindChange(kind, newKind, host), 'host');
  }
  const wrongPath = pathIssue(kind, path);
  if (wrongPath) throw new SwitchyardError('VALIDATION_FAILED', wrongPath, 'path');
  const [issue] = settingsIssues(kind, settings, 'settings.');
  if (issue) throw new SwitchyardError('VALIDATION_FAILED', issue.message, issue.field);
}

const kindNames: Record<RouteKind, string> = { http: 'an HTTP', tcp: 'a TCP', udp: 'a UDP', tls: 'a TLS passthrough' };

/** Why a route cannot become another kind, and what to do instead. */
function kindChange(kind: RouteKind, newKind: RouteKind, host: string): string {
  const keeps = kind === 'http' ? 'a host name' : `a ${kind}:// address`;
  const instead = newKind === 'http' ? '' : ` (switchyard route add ${host} --backend ${newKind === 'udp' ? 'udp' : 'tcp'}://HOST:PORT)`;
  return `${kindNames[kind].replace(/^a/, 'A')} route keeps ${keeps}; ${host} would make it ${kindNames[newKind]} route. Add ${kindNames[newKind]} route for it instead${instead}.`;
}

/** A backend's URL scheme and health overrides must suit its route's kind. */
function refuseBackendOfOtherKind(kind: RouteKind, url: string, health: BackendHealth | undefined, field: string): void {
  const message = backendKindIssue(kind, url);
  if (message) throw new SwitchyardError('VALIDATION_FAILED', message, field);
  const [issue] = settingsIssues(kind, health, 'health.');
  if (issue) throw new SwitchyardError('VALIDATION_FAILED', issue.message, issue.field);
}

/** Kinds that listen on a TCP port: a TCP route takes all of it, TLS routes share it by server name. */
const tcpPortKinds: ReadonlySet<RouteKind> = new Set(['tcp', 'tls']);

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Every write runs in one transaction; reads return plain model objects. */
export class RouteRepository {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      routes: db.prepare<[], RouteRow>('SELECT id, kind, host, path, algorithm, settings FROM routes ORDER BY host, path'),
      route: db.prepare<[number], RouteRow>('SELECT id, kind, host, path, algorithm, settings FROM routes WHERE id = ?'),
      backends: db.prepare<[], BackendRow>('SELECT id, route_id, url, weight, enabled, draining, health FROM backends ORDER BY id'),
      backendsOf: db.prepare<[number], BackendRow>(
        'SELECT id, route_id, url, weight, enabled, draining, health FROM backends WHERE route_id = ? ORDER BY id',
      ),
      backend: db.prepare<[number], BackendRow>('SELECT id, route_id, url, weight, enabled, draining, health FROM backends WHERE id = ?'),
      tcpPortRoutes: db.prepare<[], { id: number; kind: RouteKind; host: string }>("SELECT id, kind, host FROM routes WHERE kind IN ('tcp', 'tls') ORDER BY host"),
      insertRoute: db.prepare('INSERT INTO routes (kind, host, path, algorithm, settings) VALUES (?, ?, ?, ?, ?)'),
      updateRoute: db.prepare('UPDATE routes SET host = ?, path = ?, algorithm = ?, settings = ? WHERE id = ?'),
      deleteRoute: db.prepare('DELETE FROM routes WHERE id = ?'),
      insertBackend: db.prepare('INSERT INTO backends (route_id, url, weight, enabled, health) VALUES (?, ?, ?, ?, ?)'),
      updateBackend: db.prepare('UPDATE backends SET url = ?, weight = ?, enabled = ?, draining = ?, health = ? WHERE id = ?'),
      deleteBackend: db.prepare('DELETE FROM backends WHERE id = ?'),
    };
  }

  list(): Route[] {
    const byRoute = new Map<number, Backend[]>();
    for (const row of this.statements.backends.all()) {
      const list = byRoute.get(row.route_id) ?? [];
      list.push(toBackend(row));
      byRoute.set(row.route_id, list);
    }
    return this.statements.routes.all().map((row) => toRoute(row, byRoute.get(row.id) ?? []));
  }

  get(id: number): Route {
    const row = this.statements.route.get(id);
    if (!row) throw new SwitchyardError('ROUTE_NOT_FOUND', `There is no route with id ${id}; it may have been deleted.`, 'id');
    return toRoute(row, this.statements.backendsOf.all(id).map(toBackend));
  }

  create(input: ParsedCommandInput<'routes.create'>): Route {
    return this.db.transaction(() => {
      this.refuseSharedPort(input.host, undefined);
      let id: number;
      try {
        id = Number(
          this.statements.insertRoute.run(
            routeKindOf(input.host),
            input.host,
            input.path,
            input.algorithm,
            mergeSettings(routeSettingsSchema.parse(kindSettingDefaults[routeKindOf(input.host)]), input.settings),
          )
            .lastInsertRowid,
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new SwitchyardError(
          'ROUTE_EXISTS',
          routeKindOf(input.host) === 'tls'
            ? `A TLS passthrough route already takes ${input.host}. Add backends to it, or choose another server name or port.`
            : routeKindOf(input.host) !== 'http'
            ? `${kindNames[routeKindOf(input.host)].replace(/^a/, 'A')} route already listens on ${input.host}. Add backends to it, or choose another port.`
            : `A route for ${routeLabel(input)} already exists. Add backends to it, or use another host or path.`,
          'host',
        );
      }
      input.backends.forEach((backend, index) => this.insertBackend(id, backend, `backends.${index}.url`));
      return this.get(id);
    })();
  }

  update(input: ParsedCommandInput<'routes.update'>): Route {
    return this.db.transaction(() => {
      const current = this.get(input.id);
      const host = input.host ?? current.host;
      const path = input.path ?? current.path;
      refuseKindMismatch(current.kind, host, path, input.settings);
      this.refuseSharedPort(host, input.id);
      try {
        this.statements.updateRoute.run(
          host,
          path,
          input.algorithm ?? current.algorithm,
          mergeSettings(current.settings, input.settings),
          input.id,
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new SwitchyardError(
          'ROUTE_EXISTS',
          `Another route already serves ${routeLabel({ host, path })}. Choose another host or path.`,
          input.host !== undefined ? 'host' : 'path',
        );
      }
      return this.get(input.id);
    })();
  }

  /**
   * A TCP route takes every connection to its port, so it cannot share the
   * port with TLS routes, which tell theirs apart by server name (the second
   * listener would fail with "address in use", naming no culprit).
   */
  private refuseSharedPort(host: string, ownId: number | undefined): void {
    const kind = routeKindOf(host);
    if (!tcpPortKinds.has(kind)) return;
    const { address, port } = listenAddressOf(host);
    const other = this.statements.tcpPortRoutes.all().find((row) => {
      if (row.id === ownId || (kind === 'tls' && row.kind === 'tls')) return false;
      const taken = listenAddressOf(row.host);
      return taken.address === address && taken.port === port;
    });
    if (!other || (kind === 'tcp' && other.kind === 'tcp')) return;
    const message =
      other.kind === 'tcp'
        ? `The TCP route ${other.host} takes every connection to that port, so TLS passthrough routes cannot share it. Choose another port, or remove that route first.`
        : `TLS passthrough routes (${other.host}) share that port by server name, and a TCP route would take every connection to it. Choose another port, or add this backend as a TLS route with a server name.`;
    throw new SwitchyardError('ROUTE_EXISTS', message, 'host');
  }

  delete(id: number): void {
    this.db.transaction(() => {
      this.get(id);
      this.statements.deleteRoute.run(id);
    })();
  }

  addBackend(input: ParsedCommandInput<'backends.add'>): Route {
    return this.db.transaction(() => {
      const route = this.get(input.routeId);
      if (route.backends.length >= maxBackendsPerRoute) {
        throw new SwitchyardError(
          'VALIDATION_FAILED',
          `Route ${routeLabel(route)} already has ${maxBackendsPerRoute} backends, the most a route can have. Remove one first, or split the traffic across routes by path or host.`,
          'routeId',
        );
      }
      refuseBackendOfOtherKind(route.kind, input.url, input.health, 'url');
      this.insertBackend(input.routeId, input, 'url');
      return this.get(input.routeId);
    })();
  }

  /** Enabling or disabling ends a drain; draining keeps `enabled` as it is. */
  updateBackend(id: number, change: { url?: string; weight?: number; enabled?: boolean; draining?: boolean; health?: BackendHealth }): Route {
    return this.db.transaction(() => {
      const current = this.getBackend(id);
      const url = change.url ?? current.url;
      refuseBackendOfOtherKind(this.get(current.routeId).kind, url, change.health, 'url');
      try {
        this.statements.updateBackend.run(
          url,
          change.weight ?? current.weight,
          (change.enabled ?? current.enabled) ? 1 : 0,
          (change.draining ?? (change.enabled !== undefined ? false : current.draining)) ? 1 : 0,
          JSON.stringify(withoutNulls({ ...current.health, ...change.health })),
          id,
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new SwitchyardError('BACKEND_EXISTS', `This route already has a backend at ${url}.`, 'url');
      }
      return this.get(current.routeId);
    })();
  }

  removeBackend(id: number): Route {
    return this.db.transaction(() => {
      const current = this.getBackend(id);
      this.statements.deleteBackend.run(id);
      return this.get(current.routeId);
    })();
  }

  private getBackend(id: number): Backend {
    const row = this.statements.backend.get(id);
    if (!row) throw new SwitchyardError('BACKEND_NOT_FOUND', `There is no backend with id ${id}; it may have been removed.`, 'id');
    return toBackend(row);
  }

  private insertBackend(routeId: number, backend: { url: string; weight: number; enabled: boolean; health: BackendHealth }, field: string) {
    try {
      this.statements.insertBackend.run(routeId, backend.url, backend.weight, backend.enabled ? 1 : 0, JSON.stringify(withoutNulls(backend.health)));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new SwitchyardError('BACKEND_EXISTS', `This route already has a backend at ${backend.url}.`, field);
    }
  }
}
