import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimelineEntry } from '../../shared/events';

/** The desktop notification for a timeline entry: only a backend going down or coming back. */
export function notificationFor(entry: TimelineEntry): { title: string; body: string } | undefined {
  switch (entry.kind) {
    case 'down':
      return { title: 'Backend down', body: entry.message };
    case 'ejected':
      return { title: 'Backend ejected', body: entry.message };
    case 'up':
    case 'returned':
      return { title: 'Backend back', body: entry.message };
    // Named, not a default: a new kind of entry must decide whether it notifies.
    case 'drained':
    case 'config':
      return undefined;
  }
}

/** Desktop-only preferences, beside the database in the app's data folder. */
export interface Preferences {
  notifications: boolean;
  /** The "still running in the tray" notice was shown once, when the window was first closed: never again. */
  closedToTrayNoticeShown: boolean;
}

const defaults: Preferences = { notifications: true, closedToTrayNoticeShown: false };

export function loadPreferences(dir: string): Preferences {
  try {
    const stored = JSON.parse(readFileSync(join(dir, 'preferences.json'), 'utf8')) as Partial<Preferences>;
    const flag = (key: keyof Preferences) => (typeof stored[key] === 'boolean' ? stored[key] : defaults[key]);
    return { notifications: flag('notifications'), closedToTrayNoticeShown: flag('closedToTrayNoticeShown') };
  } catch {
    return { ...defaults };
  }
}

export function savePreferences(dir: string, preferences: Preferences): void {
  writeFileSync(join(dir, 'preferences.json'), `${JSON.stringify(preferences, null, 2)}\n`, { mode: 0o600 });
}
