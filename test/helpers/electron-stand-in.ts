import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import type { ElectronModules } from '../../src/main/electron/electron-modules';

// A RECORDED STAND-IN for the `electron` module, for testing the desktop
// shell's wiring under plain Node where the Electron binary cannot be had.
// It is not Electron and proves nothing about Electron itself: each object
// keeps what the shell handed it (handlers, options, menus, images) and lets a
// test fire what Electron would fire (a window's close, an IPC call, a menu
// click). The real app is exercised by test/e2e/electron-smoke.test.ts where
// the binary exists.

/** What a handler's event would get from Electron: whether preventDefault was called. */
export class StandInEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export interface StandInFrame {
  url: string;
}

export class StandInWebContents extends EventEmitter {
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  destroyed = false;
  readonly mainFrame: StandInFrame;

  constructor(url: () => string) {
    super();
    this.mainFrame = {
      get url() {
        return url();
      },
    };
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Fires an event whose handlers may call preventDefault; says whether one did. */
  fire(name: string, ...args: unknown[]): StandInEvent {
    const event = new StandInEvent();
    this.emit(name, event, ...args);
    return event;
  }
}

export function createElectronStandIn(options: { userData: string; singleInstance?: boolean }) {
  const record = {
    windows: [] as StandInWindow[],
    trays: [] as StandInTray[],
    notifications: [] as { title: string; body: string }[],
    errorBoxes: [] as { title: string; content: string }[],
    openedExternally: [] as string[],
    applicationMenu: undefined as StandInMenu | undefined,
    ipcHandlers: new Map<string, (event: unknown, input: unknown) => unknown>(),
    permissionRequestHandler: undefined as ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined,
    permissionCheckHandler: undefined as ((contents: unknown, permission: string) => boolean) | undefined,
    devicePermissionHandler: undefined as ((details: unknown) => boolean) | undefined,
    loginItem: { openAtLogin: false },
    exitCode: undefined as number | undefined,
    /** Set once a quit went through (no before-quit handler held it). */
    quit: false,
  };

  class StandInApp extends EventEmitter {
    readonly isPackaged = false;
    readonly commandLine = { appendSwitch: () => undefined };
    getPath(name: string): string {
      if (name === 'userData') return options.userData;
      // As Electron's: userData is appData joined with the app's name.
      if (name === 'appData') return dirname(options.userData);
      throw new Error(`the stand-in knows only userData and appData, not ${name}`);
    }
    getAppPath(): string {
      return process.cwd();
    }
    requestSingleInstanceLock(): boolean {
      return options.singleInstance ?? true;
    }
    whenReady(): Promise<void> {
      return Promise.resolve();
    }
    /** As Electron: before-quit may hold the quit; otherwise windows close and the app is done. */
    quit(): void {
      const event = new StandInEvent();
      this.emit('before-quit', event);
      if (event.defaultPrevented) return;
      for (const win of record.windows) if (!win.isDestroyed()) win.close();
      record.quit = true;
    }
    exit(code = 0): void {
      record.exitCode = code;
    }
    getLoginItemSettings() {
      return { ...record.loginItem };
    }
    setLoginItemSettings(settings: { openAtLogin: boolean }): void {
      record.loginItem.openAtLogin = settings.openAtLogin;
    }
  }
  const app = new StandInApp();

  class StandInWindow extends EventEmitter {
    readonly webContents: StandInWebContents;
    url = '';
    visible = false;
    private destroyed = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      this.webContents = new StandInWebContents(() => this.url);
      record.windows.push(this);
      app.emit('web-contents-created', new StandInEvent(), this.webContents);
    }
    loadURL(url: string): Promise<void> {
      this.url = url;
      return Promise.resolve();
    }
    show(): void {
      this.visible = true;
    }
    hide(): void {
      this.visible = false;
    }
    focus(): void {}
    isMinimized(): boolean {
      return false;
    }
    restore(): void {}
    isDestroyed(): boolean {
      return this.destroyed;
    }
    isVisible(): boolean {
      return this.visible;
    }
    /** As a click on the window's close button: 'close' may be prevented. */
    close(): StandInEvent {
      const event = new StandInEvent();
      this.emit('close', event);
      if (!event.defaultPrevented) {
        this.destroyed = true;
        this.webContents.destroyed = true;
        this.visible = false;
        this.emit('closed');
        if (record.windows.every((win) => win.isDestroyed())) app.emit('window-all-closed');
      }
      return event;
    }
  }

  interface MenuItemOptions {
    label?: string;
    type?: string;
    checked?: boolean;
    enabled?: boolean;
    role?: string;
    submenu?: MenuItemOptions[];
    click?: (item: { checked: boolean }) => void;
  }
  class StandInMenu {
    constructor(readonly items: MenuItemOptions[]) {}
    /** The item with this label, searched through submenus; its click as Electron would call it (a checkbox flips first). */
    find(label: string | RegExp): MenuItemOptions & { press(): void } {
      const search = (items: MenuItemOptions[]): MenuItemOptions | undefined => {
        for (const item of items) {
          if (item.label !== undefined && (typeof label === 'string' ? item.label === label : label.test(item.label))) return item;
          const inner = item.submenu && search(item.submenu);
          if (inner) return inner;
        }
        return undefined;
      };
      const item = search(this.items);
      if (!item) throw new Error(`no menu item ${String(label)} in ${JSON.stringify(this.labels())}`);
      return { ...item, press: () => item.click?.({ checked: item.type === 'checkbox' ? !item.checked : false }) };
    }
    labels(): unknown[] {
      const walk = (items: MenuItemOptions[]): unknown[] => items.map((item) => (item.submenu ? { [item.label ?? '']: walk(item.submenu) } : (item.label ?? `(${item.type ?? item.role})`)));
      return walk(this.items);
    }
  }

  class StandInTray extends EventEmitter {
    image: string;
    tooltip = '';
    menu: StandInMenu | undefined;
    destroyed = false;
    readonly images: string[] = [];
    constructor(image: { path: string }) {
      super();
      this.image = image.path;
      this.images.push(image.path);
      record.trays.push(this);
    }
    setImage(image: { path: string }): void {
      this.image = image.path;
      this.images.push(image.path);
    }
    setToolTip(text: string): void {
      this.tooltip = text;
    }
    setContextMenu(menu: StandInMenu): void {
      this.menu = menu;
    }
    destroy(): void {
      this.destroyed = true;
    }
  }

  class StandInNotification {
    static isSupported(): boolean {
      return true;
    }
    constructor(private readonly note: { title: string; body: string }) {}
    show(): void {
      record.notifications.push(this.note);
    }
  }

  const modules = {
    app,
    BrowserWindow: StandInWindow,
    Tray: StandInTray,
    Notification: StandInNotification,
    Menu: {
      buildFromTemplate: (items: MenuItemOptions[]) => new StandInMenu(items),
      setApplicationMenu: (menu: StandInMenu) => {
        record.applicationMenu = menu;
      },
    },
    nativeImage: { createFromPath: (path: string) => ({ path }) },
    dialog: {
      showErrorBox: (title: string, content: string) => {
        record.errorBoxes.push({ title, content });
      },
    },
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, input: unknown) => unknown) => {
        if (record.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        record.ipcHandlers.set(channel, handler);
      },
      removeHandler: (channel: string) => record.ipcHandlers.delete(channel),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: typeof record.permissionRequestHandler) => {
          record.permissionRequestHandler = handler;
        },
        setPermissionCheckHandler: (handler: typeof record.permissionCheckHandler) => {
          record.permissionCheckHandler = handler;
        },
        setDevicePermissionHandler: (handler: typeof record.devicePermissionHandler) => {
          record.devicePermissionHandler = handler;
        },
      },
    },
    shell: {
      openExternal: (url: string) => {
        record.openedExternally.push(url);
        return Promise.resolve();
      },
    },
  };

  /** What ipcRenderer.invoke from a frame showing `frameUrl` in `sender` would reach, through the shell's handler. */
  const invoke = (channel: string, sender: StandInWebContents, frameUrl: string | null, input: unknown): Promise<unknown> => {
    const handler = record.ipcHandlers.get(channel);
    if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    // ipcRenderer.invoke resolves with what the handler returns or resolves to.
    return Promise.resolve(handler({ sender, senderFrame: frameUrl === null ? null : { url: frameUrl } }, input));
  };

  return {
    // The one place the stand-in is passed off as the module's type: the shell uses only what is recorded above.
    electron: modules as unknown as ElectronModules,
    record,
    app,
    invoke,
    newWebContents: (url: string) => new StandInWebContents(() => url),
    lastTray: () => record.trays.at(-1),
  };
}

export type ElectronStandIn = ReturnType<typeof createElectronStandIn>;
