import { useEffect, useRef } from 'react';

/** What the app's keys do; the same list is shown in the help dialog (`?`). */
export interface ShortcutActions {
  newRoute: () => void;
  search: () => void;
  routes: () => void;
  traffic: () => void;
  certificates: () => void;
  settings: () => void;
  help: () => void;
}

export const shortcutList: { keys: string[][]; action: string }[] = [
  { keys: [['N']], action: 'New route' },
  { keys: [['/']], action: 'Search routes' },
  { keys: [['G', 'R'], ['Alt', '1']], action: 'Go to Routes' },
  { keys: [['G', 'T'], ['Alt', '2']], action: 'Go to Traffic' },
  { keys: [['G', 'C'], ['Alt', '3']], action: 'Go to Certificates' },
  { keys: [['G', 'S'], ['Alt', '4']], action: 'Go to Proxy settings' },
  { keys: [['↑'], ['↓']], action: 'Previous or next route, or request in Traffic (in the list)' },
  { keys: [['?']], action: 'Show these shortcuts' },
  { keys: [['Esc']], action: 'Close a dialog, a form or a trace' },
];

/** How long `g` waits for its second key, as in GitHub's and Gmail's `g` shortcuts. */
const sequenceMs = 1_500;

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  // A focused switch or radio takes no letters; a text field and a select (type-to-pick) do.
  return target.isContentEditable || target.matches('textarea, select, input:not([type=checkbox], [type=radio], [type=button], [type=submit], [type=reset], [type=range])');
}

/**
 * Single keys work anywhere but in a text field or a modal dialog, so typing
 * a host name never opens a form; Alt+digit works everywhere.
 */
export function useShortcuts(actions: ShortcutActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    let pendingG = 0;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
      const run = (action: () => void) => {
        event.preventDefault();
        action();
      };
      const a = latest.current;
      if (event.altKey) {
        if (event.code === 'Digit1') run(a.routes);
        else if (event.code === 'Digit2') run(a.traffic);
        else if (event.code === 'Digit3') run(a.certificates);
        else if (event.code === 'Digit4') run(a.settings);
        return;
      }
      if (typingIn(event.target) || document.querySelector('dialog[open]')) return;
      const key = event.key.toLowerCase();
      if (Date.now() - pendingG < sequenceMs) {
        pendingG = 0;
        if (key === 'r') return run(a.routes);
        if (key === 't') return run(a.traffic);
        if (key === 'c') return run(a.certificates);
        if (key === 's') return run(a.settings);
      }
      if (key === 'g') pendingG = Date.now();
      else if (key === 'n') run(a.newRoute);
      else if (key === '/') run(a.search);
      else if (key === '?') run(a.help);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
