import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPreferences, notificationFor, savePreferences } from '../../src/main/electron/notifications';
import type { TimelineEntry } from '../../src/shared/events';
import { isAllowedHost, isAllowedOrigin, tokenMatches } from '../../src/main/headless/admin-security';
import { isAppUrl, isExternalLink, isPermissionGranted, secureWebPreferences } from '../../src/main/electron/security-policy';

describe('Electron window policy', () => {
  it('isolates and sandboxes the renderer', () => {
    expect(secureWebPreferences('/p.js')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('allows navigation only to the app page itself', () => {
    const app = 'file:///opt/switchyard/out/renderer/index.html';
    expect(isAppUrl('file:///opt/switchyard/out/renderer/index.html#x', app)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', app)).toBe(false);
    expect(isAppUrl('https://evil.example/', app)).toBe(false);
    expect(isAppUrl('http://localhost:5173/x', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('not a url', app)).toBe(false);
  });

  it('compares the whole file: URL but the hash: another host (a UNC path on Windows) or query is another page', () => {
    const app = 'file:///opt/switchyard/out/renderer/index.html';
    expect(isAppUrl('file:///opt/switchyard/out/renderer/index.html', app)).toBe(true);
    expect(isAppUrl('file://evil-host/opt/switchyard/out/renderer/index.html', app)).toBe(false);
    expect(isAppUrl('file://evil-host/opt/switchyard/out/renderer/index.html#x', app)).toBe(false);
    expect(isAppUrl('file:///opt/switchyard/out/renderer/index.html?inject=1', app)).toBe(false);
    expect(isAppUrl('file:///opt/switchyard/out/renderer/other.html', app)).toBe(false);
    // file://localhost/ is the same file as file:/// (RFC 8089), and the URL parser says so.
    expect(isAppUrl('file://localhost/opt/switchyard/out/renderer/index.html#routes', app)).toBe(true);
  });

  it('grants the renderer no web permission', () => {
    const asked = ['notifications', 'media', 'geolocation', 'clipboard-read', 'clipboard-sanitized-write', 'midiSysex', 'fullscreen', 'openExternal', 'pointerLock', 'display-capture', 'unknown'];
    for (const permission of asked) expect(isPermissionGranted(permission), permission).toBe(false);
  });

  it('opens only http(s) links externally', () => {
    expect(isExternalLink('http://demo.localhost:7800/')).toBe(true);
    expect(isExternalLink('file:///etc/passwd')).toBe(false);
    expect(isExternalLink('javascript:alert(1)')).toBe(false);
  });
});

describe('admin API checks', () => {
  it('accepts only loopback Host names with its own port', () => {
    expect(isAllowedHost('127.0.0.1:7801', 7801)).toBe(true);
    expect(isAllowedHost('localhost:7801', 7801)).toBe(true);
    expect(isAllowedHost('[::1]:7801', 7801)).toBe(true);
    expect(isAllowedHost('evil.example:7801', 7801)).toBe(false);
    expect(isAllowedHost('127.0.0.1:80', 7801)).toBe(false);
    expect(isAllowedHost('127.0.0.1', 7801)).toBe(false);
    expect(isAllowedHost(undefined, 7801)).toBe(false);
  });

  it('accepts no Origin (CLI) or our own, nothing else', () => {
    expect(isAllowedOrigin(undefined, 7801)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:7801', 7801)).toBe(true);
    expect(isAllowedOrigin('http://evil.example', 7801)).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1:7800', 7801)).toBe(false);
    expect(isAllowedOrigin('null', 7801)).toBe(false);
  });

  it('compares tokens exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(undefined, 'abc')).toBe(false);
  });
});

describe('desktop notifications', () => {
  const entry = (kind: TimelineEntry['kind']): TimelineEntry => ({ id: 1, at: '', routeId: 1, backendId: 2, kind, message: 'http://127.0.0.1:3001 is down: …' });
  it('notify for a backend going down, ejected or back, nothing else', () => {
    expect(notificationFor(entry('down'))).toEqual({ title: 'Backend down', body: 'http://127.0.0.1:3001 is down: …' });
    expect(notificationFor(entry('ejected'))?.title).toBe('Backend ejected');
    expect(notificationFor(entry('up'))?.title).toBe('Backend back');
    expect(notificationFor(entry('returned'))?.title).toBe('Backend back');
    expect(notificationFor(entry('config'))).toBeUndefined();
    expect(notificationFor(entry('drained'))).toBeUndefined();
  });

  it('remembers whether they are switched off, and survives a damaged preferences file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-prefs-'));
    expect(loadPreferences(dir)).toEqual({ notifications: true, closedToTrayNoticeShown: false });
    savePreferences(dir, { notifications: false, closedToTrayNoticeShown: true });
    expect(loadPreferences(dir)).toEqual({ notifications: false, closedToTrayNoticeShown: true });
    // A file from before the tray keeps its setting and gets the new one's default.
    writeFileSync(join(dir, 'preferences.json'), '{"notifications":false}');
    expect(loadPreferences(dir)).toEqual({ notifications: false, closedToTrayNoticeShown: false });
    writeFileSync(join(dir, 'preferences.json'), '{not json');
    expect(loadPreferences(dir)).toEqual({ notifications: true, closedToTrayNoticeShown: false });
    rmSync(dir, { recursive: true });
  });
});
