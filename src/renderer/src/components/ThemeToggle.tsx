import { useState } from 'react';
import { saveTheme, storedTheme, themeChoices, type ThemeChoice } from '../theme';

const labels: Record<ThemeChoice, { text: string; title: string }> = {
  light: { text: 'Light', title: 'Light theme' },
  dark: { text: 'Dark', title: 'Dark theme' },
  system: { text: 'Auto', title: "Follow the system's light or dark setting" },
};

/** Light, dark or the system's setting; remembered in this browser (localStorage). */
export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  return (
    <fieldset className="theme-toggle">
      <legend className="sr-only">Theme</legend>
      {themeChoices.map((option) => (
        <label key={option} className={option === choice ? 'on' : undefined} title={labels[option].title}>
          <input
            type="radio"
            name="theme"
            value={option}
            checked={option === choice}
            onChange={() => {
              saveTheme(option);
              setChoice(option);
            }}
          />
          {labels[option].text}
        </label>
      ))}
    </fieldset>
  );
}
