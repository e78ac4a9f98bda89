export type ThemeChoice = 'light' | 'dark' | 'system';

export const themeChoices: ThemeChoice[] = ['light', 'dark', 'system'];

const storageKey = 'switchyard.theme';

function isThemeChoice(value: unknown): value is ThemeChoice {
  return themeChoices.includes(value as ThemeChoice);
}

/** The user's choice, 'system' (follow the OS) when none is stored or storage is refused. */
export function storedTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(storageKey);
    return isThemeChoice(value) ? value : 'system';
  } catch {
    return 'system';
  }
}

/** Light and dark pin the colours; system leaves them to prefers-color-scheme (styles.css). */
export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

export function saveTheme(choice: ThemeChoice): void {
  applyTheme(choice);
  try {
    localStorage.setItem(storageKey, choice);
  } catch {
    // Storage refused (a locked-down profile): the choice lasts for this window only.
  }
}
