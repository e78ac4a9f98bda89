// Pure decisions of the Electron shell, kept free of `electron` so they are
// unit-tested under Node. index.ts applies them.

/** webPreferences for every window: the renderer is a web page, nothing more. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

const withoutHash = (url: URL): string => url.href.slice(0, url.href.length - url.hash.length);

/**
 * The renderer may only ever show our own page; everything else is a
 * navigation attack. A file: page is the one file, host and query included
 * (file://host/... is a UNC path to another machine on Windows); only the
 * hash, the UI's own state, may differ. The dev server is one origin.
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const target = new URL(url);
    const app = new URL(appUrl);
    if (app.protocol === 'file:') return withoutHash(target) === withoutHash(app);
    return target.origin === app.origin;
  } catch {
    return false;
  }
}

/**
 * Web permissions the renderer may have: none. The UI uses no notification,
 * camera, microphone, geolocation, clipboard, MIDI, fullscreen or external
 * protocol API (desktop notifications come from the main process), and
 * Electron grants every request unless a handler says no (its security
 * checklist: "Handle session permission requests").
 */
const grantedPermissions: ReadonlySet<string> = new Set();

export function isPermissionGranted(permission: string): boolean {
  return grantedPermissions.has(permission);
}

/** Links the user clicks (e.g. http://demo.localhost:7800) open in the system browser, never in-app. */
export function isExternalLink(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
