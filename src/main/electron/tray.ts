import { join } from 'node:path';
import type { MenuItemConstructorOptions, Tray } from 'electron';
import type { Route } from '../../shared/model';
import type { Core } from '../core/core';
import type { ElectronModules } from './electron-modules';
import { trayHeadline, trayMenu, worstState, type TrayAction, type TrayItem, type TrayState } from './tray-menu';

/** Health pushes come up to 4 a second; the menu follows within this, once per burst. */
const refreshDelayMs = 200;

export interface DesktopTrayOptions {
  /** Holds tray-up.png, tray-degraded.png, tray-down.png (and their @2x). */
  iconDir: string;
  open: () => void;
  quit: () => void;
  startAtLogin: { get(): boolean; set(enabled: boolean): void };
  log: (line: string) => void;
}

export const trayIconFile = (iconDir: string, state: TrayState) => join(iconDir, `tray-${state}.png`);

/**
 * The menu-bar (tray) icon: the worst state across routes as its picture,
 * routes and their backends as toggles in its menu. It reads the core in
 * process and follows its config and health events.
 */
export class DesktopTray {
  private readonly tray: Tray;
  private shown = '';
  private state: TrayState = 'up';
  private timer: NodeJS.Timeout | undefined;
  private destroyed = false;

  private readonly onEvent = (event: { name: string }) => {
    if (event.name === 'config.changed' || event.name === 'backends.changed') this.scheduleRefresh();
  };

  constructor(
    private readonly electron: Pick<ElectronModules, 'Menu' | 'nativeImage' | 'Tray'>,
    private readonly core: Core,
    private readonly options: DesktopTrayOptions,
  ) {
    this.tray = new electron.Tray(this.image('up'));
    this.tray.setToolTip('Switchyard');
    // Windows and most Linux trays open the app on a click; macOS shows the menu.
    this.tray.on('click', () => options.open());
    core.events.on('event', this.onEvent);
  }

  private image(state: TrayState) {
    return this.electron.nativeImage.createFromPath(trayIconFile(this.options.iconDir, state));
  }

  private scheduleRefresh(): void {
    if (this.timer || this.destroyed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((error: unknown) => this.options.log(`tray: ${(error as Error).stack ?? String(error)}`));
    }, refreshDelayMs);
  }

  /** Rebuilds the menu and icon from the core; nothing is handed to Electron when nothing changed. */
  async refresh(): Promise<void> {
    const [routes, live] = await Promise.all([this.core.run('routes.list', {}), this.core.run('backends.live', {})]);
    if (this.destroyed || !routes.ok) return;
    const snapshot = live.ok ? live.result : undefined;
    const state = worstState(routes.result, snapshot);
    const items = trayMenu({ routes: routes.result, live: snapshot, startAtLogin: this.options.startAtLogin.get() });
    const shown = JSON.stringify(items);
    if (state !== this.state) {
      this.state = state;
      this.tray.setImage(this.image(state));
    }
    if (shown === this.shown) return;
    this.shown = shown;
    this.tray.setToolTip(trayHeadline(routes.result, snapshot));
    this.tray.setContextMenu(this.electron.Menu.buildFromTemplate(items.map((item) => this.menuItem(item, routes.result))));
  }

  get currentState(): TrayState {
    return this.state;
  }

  private menuItem(item: TrayItem, routes: Route[]): MenuItemConstructorOptions {
    const { action, submenu, ...rest } = item;
    return {
      ...rest,
      ...(submenu ? { submenu: submenu.map((child) => this.menuItem(child, routes)) } : {}),
      ...(action ? { click: () => this.run(action, routes) } : {}),
    };
  }

  private run(action: TrayAction, routes: Route[]): void {
    switch (action.kind) {
      case 'open':
        return this.options.open();
      case 'quit':
        return this.options.quit();
      case 'startAtLogin':
        try {
          this.options.startAtLogin.set(action.enabled);
        } catch (error) {
          this.options.log(`tray: could not change "Start at login": ${(error as Error).message}`);
        }
        // The checkbox must show what the system now says, whether or not the change took.
        this.shown = '';
        return this.scheduleRefresh();
      case 'setBackendEnabled':
        return this.execute([action.backendId], action.enabled);
      case 'setRouteEnabled': {
        const route = routes.find((candidate) => candidate.id === action.routeId);
        const ids = (route?.backends ?? []).filter((backend) => backend.enabled !== action.enabled).map((backend) => backend.id);
        return this.execute(ids, action.enabled);
      }
    }
  }

  /** The same command the window sends; the core's config event then redraws the menu. */
  private execute(backendIds: number[], enabled: boolean): void {
    const toggles = backendIds.map(async (id) => {
      const answer = await this.core.execute('backends.setEnabled', { id, enabled });
      if (!answer.ok) this.options.log(`tray: switching backend ${id} ${enabled ? 'on' : 'off'} failed: ${answer.error.message}`);
    });
    Promise.all(toggles).catch((error: unknown) => this.options.log(`tray: ${(error as Error).stack ?? String(error)}`));
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
    this.core.events.off('event', this.onEvent);
    this.tray.destroy();
  }
}
