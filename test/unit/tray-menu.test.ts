import { describe, expect, it } from 'vitest';
import type { BackendStats, RouteLive, TrafficSnapshot } from '../../src/shared/events';
import type { Route } from '../../src/shared/model';
import { autostartEntry, execArgument } from '../../src/main/electron/login-item';
import { electronSqliteBinding, packagedBinding } from '../../src/main/electron/native-binding';
import { maxTrayRoutes, trayHeadline, trayMenu, worstState, type TrayItem } from '../../src/main/electron/tray-menu';

// The tray's pure parts: the icon's state and the menu as data, from routes
// and live health, and the paths and files the shell writes.

const stats = (status: BackendStats['status']) => ({ status }) as BackendStats;
const receiving = (count: number) => ({ receiving: count, panic: false }) as RouteLive;

function route(id: number, host: string, backends: { id: number; enabled?: boolean }[]): Route {
  return {
    id,
    kind: 'http',
    host,
    path: '/',
    algorithm: 'round-robin',
    settings: { healthCheck: 'http' } as Route['settings'],
    backends: backends.map(({ id: backendId, enabled = true }) => ({ id: backendId, routeId: id, url: `http://127.0.0.1:${3000 + backendId}`, weight: 1, enabled, draining: false, health: {} })),
  };
}

const snapshot = (backends: Record<number, BackendStats>, routes: Record<number, RouteLive>): TrafficSnapshot => ({ at: '', backends, routes });

const labels = (items: TrayItem[]): unknown[] => items.map((item) => (item.submenu ? { [item.label!]: labels(item.submenu) } : (item.label ?? '—')));

describe('the tray icon: the worst state across routes', () => {
  const shop = route(1, 'shop.localhost', [{ id: 10 }, { id: 11 }]);
  const api = route(2, 'api.localhost', [{ id: 20 }]);

  it('is up with no routes, or every route healthy or still being checked', () => {
    expect(worstState([], undefined)).toBe('up');
    expect(worstState([shop, api], undefined)).toBe('up');
    expect(worstState([shop, api], snapshot({ 10: stats('healthy'), 11: stats('healthy'), 20: stats('unknown') }, { 1: receiving(2), 2: receiving(1) }))).toBe('up');
  });

  it('is degraded when a backend in service failed its checks, down when a route receives nothing, and takes the worst', () => {
    const degraded = snapshot({ 10: stats('healthy'), 11: stats('unhealthy'), 20: stats('healthy') }, { 1: receiving(1), 2: receiving(1) });
    expect(worstState([shop, api], degraded)).toBe('degraded');
    const down = snapshot({ 10: stats('healthy'), 11: stats('unhealthy'), 20: stats('unhealthy') }, { 1: receiving(1), 2: receiving(0) });
    expect(worstState([shop, api], down)).toBe('down');
    expect(trayHeadline([shop, api], down)).toBe('Switchyard: 1 route down, 1 degraded');
  });

  it('counts a route without backends as down: its requests get 503s', () => {
    expect(worstState([route(3, 'empty.localhost', [])], undefined)).toBe('down');
  });
});

describe('the tray menu', () => {
  it('lists each route with its backends as toggles that flip them, then Open, Start at login and Quit', () => {
    const shop = route(1, 'shop.localhost', [{ id: 10 }, { id: 11, enabled: false }]);
    const items = trayMenu({ routes: [shop], live: snapshot({ 10: stats('healthy'), 11: stats('disabled') }, { 1: receiving(1) }), startAtLogin: false });
    expect(labels(items)).toEqual([
      'Switchyard: 1 route, all up',
      '—',
      {
        'shop.localhost: up': ['http://127.0.0.1:3010 (healthy)', 'http://127.0.0.1:3011 (disabled)', '—', 'Switch every backend on', 'Switch every backend off'],
      },
      '—',
      'Open Switchyard',
      'Start at login',
      '—',
      'Quit Switchyard',
    ]);
    const [on, off] = items[2]!.submenu!;
    expect(on).toMatchObject({ type: 'checkbox', checked: true, action: { kind: 'setBackendEnabled', backendId: 10, enabled: false } });
    expect(off).toMatchObject({ type: 'checkbox', checked: false, action: { kind: 'setBackendEnabled', backendId: 11, enabled: true } });
    expect(items.find((item) => item.label === 'Start at login')).toMatchObject({ checked: false, action: { kind: 'startAtLogin', enabled: true } });
  });

  it(`shows at most ${maxTrayRoutes} routes and points to the window for the rest`, () => {
    const routes = Array.from({ length: maxTrayRoutes + 3 }, (_, i) => route(i + 1, `r${i}.localhost`, [{ id: 100 + i }]));
    const items = trayMenu({ routes, live: undefined, startAtLogin: true });
    expect(items.filter((item) => item.type === 'submenu')).toHaveLength(maxTrayRoutes);
    expect(items.find((item) => item.label === '3 more routes…')).toMatchObject({ action: { kind: 'open' } });
    expect(items.find((item) => item.label === 'Start at login')).toMatchObject({ checked: true, action: { enabled: false } });
  });

  it('says so when there are no routes', () => {
    expect(labels(trayMenu({ routes: [], live: undefined, startAtLogin: false }))).toEqual(['Switchyard: no routes yet', '—', 'Open Switchyard', 'Start at login', '—', 'Quit Switchyard']);
  });
});

describe('files and paths of the desktop shell', () => {
  it('quotes the autostart Exec as the Desktop Entry spec says', () => {
    expect(execArgument('/opt/Switchyard/switchyard')).toBe('"/opt/Switchyard/switchyard"');
    expect(execArgument('/home/a b/$x "q" `c` \\ 100%.AppImage')).toBe('"/home/a b/\\$x \\"q\\" \\`c\\` \\\\ 100%%.AppImage"');
    expect(autostartEntry('/opt/s')).toContain('\nExec="/opt/s"\n');
  });

  it('loads better-sqlite3 from app.asar.unpacked when packaged and from build/electron-native in a checkout', () => {
    const everywhere = () => true;
    expect(electronSqliteBinding({ isPackaged: true, resourcesPath: '/opt/S/resources', appPath: '/opt/S/resources/app.asar' }, everywhere)).toBe(
      '/opt/S/resources/app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    );
    expect(packagedBinding('/r')).not.toContain('app.asar/');
    expect(electronSqliteBinding({ isPackaged: false, resourcesPath: '/x', appPath: '/src/switchyard' }, everywhere)).toBe('/src/switchyard/build/electron-native/better_sqlite3.node');
    expect(electronSqliteBinding({ isPackaged: true, resourcesPath: '/r', appPath: '/r/app.asar' }, () => false)).toBeUndefined();
  });
});
