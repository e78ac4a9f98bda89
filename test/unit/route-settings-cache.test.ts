import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commands, type ParsedCommandInput } from '../../src/shared/commands';
import { openDatabase } from '../../src/main/core/store/database';
import { RouteRepository } from '../../src/main/core/store/route-repository';
import { tempDir } from '../helpers/core';

// Every config change reads every route back; their stored settings are
// parsed once per distinct text and shared, frozen, by the routes that
// store the same text (route-repository's ParseCache). A change to one
// route must reach that route alone.

const dirs: { remove(): void }[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => dir.remove()));

function repository(): RouteRepository {
  const dir = tempDir();
  dirs.push(dir);
  return new RouteRepository(openDatabase(join(dir.path, 'switchyard.db')));
}

const create = (host: string, port: number): ParsedCommandInput<'routes.create'> =>
  commands['routes.create'].input.parse({ host, backends: [{ url: `http://127.0.0.1:${port}` }], settings: { retries: 2 } });

describe('stored route settings, parsed once per text', () => {
  it('are shared and frozen between routes with the same text, and a change reaches only its route', () => {
    const routes = repository();
    const a = routes.create(create('a.localhost', 3000));
    const b = routes.create(create('b.localhost', 3001));
    const [first, second] = routes.list();
    expect(first!.settings).toBe(second!.settings);
    expect(Object.isFrozen(first!.settings)).toBe(true);
    expect(Object.isFrozen(first!.backends[0]!.health)).toBe(true);
    expect(() => {
      (first!.settings as { retries: number }).retries = 9;
    }).toThrow(TypeError);

    routes.update(commands['routes.update'].input.parse({ id: a.id, settings: { retries: 5 } }));
    const byId = new Map(routes.list().map((route) => [route.id, route]));
    expect(byId.get(a.id)!.settings.retries).toBe(5);
    expect(byId.get(b.id)!.settings.retries).toBe(2);
    expect(routes.get(b.id).settings.retries).toBe(2);
  });
});
